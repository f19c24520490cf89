"""Erasing customers changes no KPI: not the stored KPI tables, not any metric over any range, slice
or filter, not the API, not the dashboard tables, whether the figures are caught up incrementally
or fully recomputed afterwards.

The dataset is the demo seed (two years of tickets, replies, status changes, ratings, merges, spam,
stage histories, purchases) plus a customer written through the services with every kind of data,
a merged duplicate among them; a dozen customers with the most tickets and purchases are erased.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from kpis import exports, selectors
from kpis.models import CustomerRisk, StageSpan, TicketFact, TicketRoot, UnsolvedSpan
from kpis.services import kpis_catch_up, kpis_recompute
from lifecycle.models import Customer
from lifecycle.services import customer_erase
from tests.lifecycle.data_rights_world import customer_with_everything

pytestmark = pytest.mark.django_db
TABLES = (TicketFact, TicketRoot, UnsolvedSpan, StageSpan, CustomerRisk)
TABLE_EXPORTS = ("tiles", "agents", "stages", "daily", "funnel", "fcr_by_channel")


@pytest.fixture
def history(settings, tmp_path, agent):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", tickets=400, customers=80, seed=11, stdout=open("/dev/null", "w"))  # noqa: SIM115
    customer_with_everything(agent)
    kpis_recompute()
    return timezone.now()


def stored_tables() -> dict:
    """Every row of the KPI tables, without the surrogate ids a recompute renumbers."""
    tables = {}
    for model in TABLES:
        columns = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        tables[model.__name__] = sorted(model.objects.values_list(*columns), key=repr)
    return tables


def ranges(now) -> list[tuple]:
    today = timezone.localdate(now)
    return [
        (today - timedelta(days=729), today),
        (today - timedelta(days=29), today),
        (today - timedelta(days=400), today - timedelta(days=300)),
        (today, today),
    ]


def every_figure(now, client) -> dict:
    figures = {}
    for date_from, date_to in ranges(now):
        span = (date_from.isoformat(), date_to.isoformat())
        for name in selectors.METRICS:
            slices = [None, *selectors.DIMENSIONS] if name in selectors.SLICEABLE else [None]
            for by in slices:
                figures[(name, by, *span)] = selectors.metric(
                    name, date_from=date_from, date_to=date_to, by=by, filters={}, now=now
                )
            if name in selectors.SLICEABLE:
                figures[(name, "channel=email", *span)] = selectors.metric(
                    name, date_from=date_from, date_to=date_to, filters={"channel": "email"}, now=now
                )
            figures[(name, "drill", *span)] = selectors.drill_ids(
                name, date_from=date_from, date_to=date_to, filters={}, now=now, limit=10_000
            )
            figures[(name, "api", *span)] = client.get(
                f"/api/v1/kpis/{name}/", {"from": span[0], "to": span[1]}
            ).json()
        query = {"date_from": date_from, "date_to": date_to, "filters": {}}
        for table in TABLE_EXPORTS:
            figures[(table, "export", *span)] = exports.table_rows(table, query, now=now)
    return figures


def erase_the_busiest(admin_user) -> list[int]:
    counted = Customer.objects.active().annotate(
        ticket_count=Count("tickets", distinct=True),
        purchases=Count("events", filter=Q(events__type="purchase"), distinct=True),
    )
    chosen = {c.pk for c in counted.order_by("-ticket_count", "pk")[:8]}
    chosen |= {c.pk for c in counted.filter(purchases__gt=0).order_by("-purchases", "pk")[:4]}
    chosen |= {c.pk for c in counted.filter(merged_customers__isnull=False)[:2]}
    for customer in Customer.objects.filter(pk__in=chosen):
        customer_erase(customer=customer, by=admin_user, reason="Test of KPI invariance")
    return sorted(chosen)


def test_every_kpi_is_the_same_after_erasing_customers(history, admin_user, client):
    client.force_login(admin_user)
    tables, figures = stored_tables(), every_figure(history, client)
    assert len(TicketFact.objects.all()) > 400 and StageSpan.objects.exists()
    assert any(f.get("results") for f in figures.values() if isinstance(f, dict))

    erased = erase_the_busiest(admin_user)
    assert len(erased) >= 10
    assert Customer.objects.filter(pk__in=erased, erased_at__isnull=False).count() == len(erased)

    kpis_catch_up()
    assert stored_tables() == tables
    assert every_figure(history, client) == figures

    kpis_recompute()
    assert stored_tables() == tables
    assert every_figure(history, client) == figures
    # The figure README.md quotes (pytest -s shows it).
    equal = f"{len(figures)} figures and {len(TABLES)} tables equal"
    print(f"\nKPI invariance: {len(erased)} customers erased, {equal}")
