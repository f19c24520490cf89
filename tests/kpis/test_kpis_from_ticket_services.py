"""The pipeline reads what the tickets services really write (merge re-points messages, etc.)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kpis import selectors
from kpis.services import kpis_catch_up, kpis_recompute
from tickets import services

from .reference import Reference

pytestmark = pytest.mark.django_db


def test_kpis_from_ticket_services_match_the_reference(agent, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    now = timezone.now()
    made = [
        services.ticket_create(
            subject=f"Question {i}",
            body="Hello",
            customer_email=f"c{i % 2}@example.com",
            created_at=now - timedelta(hours=30 - i),
            assignee=agent if i % 2 else None,
        )
        for i in range(5)
    ]
    kpis_catch_up()
    services.ticket_reply(ticket=made[0], by=agent, body="Try this.")
    services.ticket_reply(ticket=made[1], by=agent, body="Done.")
    services.ticket_set_status(ticket=made[1], status="solved", by=agent)
    services.ticket_rate(ticket=made[1], score=5)
    services.ticket_set_status(ticket=made[0], status="solved", by=agent)
    services.ticket_set_status(ticket=made[0], status="open", by=agent)
    kpis_catch_up()
    services.ticket_reply(ticket=made[2], by=agent, body="Merging.")
    services.ticket_merge(source=made[2], target=made[3], by=agent)
    services.ticket_mark_spam(ticket=made[4], by=agent)
    kpis_catch_up()

    today = timezone.localdate()
    reference = Reference(now=now)
    for name in selectors.METRICS:
        for by in (None, "assignee"):
            if by and name not in selectors.SLICEABLE:
                continue
            args = {"date_from": today - timedelta(days=3), "date_to": today, "by": by}
            assert selectors.metric(name, now=now, **args) == reference.metric(name, **args), name
    incremental = selectors.metric(
        "first_response_time", date_from=today - timedelta(days=3), date_to=today, now=now
    )
    assert incremental["results"][0]["count"] == 3
    kpis_recompute()
    assert (
        selectors.metric("first_response_time", date_from=today - timedelta(days=3), date_to=today, now=now)
        == incremental
    )
