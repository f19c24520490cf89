"""The demo data's stage history obeys the rules: replaying a seeded customer changes nothing."""

from django.core.management import call_command
from django.db.models import Count

from helpdesk.management.commands import seed_demo
from helpdesk.seeding import lifecycle as seed_lifecycle
from lifecycle.models import Customer, Stage, StageChange, TouchpointEvent
from lifecycle.services import history_replay

from .conftest import derived_stage


def test_seed_lifecycle_history_is_what_the_rules_give(settings, db):
    settings.DEBUG = True
    call_command("seed_demo", tickets=0, customers=300, seed=3)
    customers = list(Customer.objects.all())
    assert TouchpointEvent.objects.filter(type="purchase", value__isnull=False).exists()
    stages = dict(Customer.objects.values_list("stage").annotate(n=Count("id")))
    assert set(stages) >= {Stage.REACH, Stage.ACQUISITION, Stage.CONVERSION, Stage.RETENTION, Stage.CHURNED}
    rows_before = StageChange.objects.count()
    for customer in customers[:120]:
        assert customer.stage == derived_stage(customer)
        history_replay(customer=customer)
    assert StageChange.objects.count() == rows_before, "replaying seeded customers rewrites nothing"
    assert not StageChange.objects.filter(superseded_at__isnull=False).exists()


def test_seed_lifecycle_provides_stage_timelines_for_tickets(settings, db):
    settings.DEBUG = True
    captured = {}

    def capture(seeder):
        captured["timelines"] = seeder.stage_timelines

    class Step:
        seed = staticmethod(capture)

    steps = seed_demo.STEPS
    seed_demo.STEPS = [*steps, Step]
    try:
        call_command("seed_demo", tickets=0, customers=40, seed=5)
    finally:
        seed_demo.STEPS = steps
    timelines = captured["timelines"]
    assert set(timelines) == set(Customer.objects.values_list("pk", flat=True))
    some = next(pk for pk, (times, _) in timelines.items() if times)
    times, stages = timelines[some]
    assert list(times) == sorted(times) and len(stages) == len(times)
    assert stages[-1] == Customer.objects.get(pk=some).stage
    changes = StageChange.objects.filter(customer=some).order_by("occurred_at", "pk")
    assert [change.occurred_at.timestamp() for change in changes] == list(times)
    assert seed_lifecycle.ORGANIZATIONS
