"""What we render for others: the KPI CSV export, the public help center, and times across
daylight-saving changes (SLA due times, KPI days)."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from helpdesk.roles import AGENT
from kb.models import Article
from tests.factories import CustomerFactory, TicketFactory, kb_article, staff_user
from tickets.services import ticket_assign, ticket_reply, ticket_set_status

from ...kpis import builders
from . import IMG_ONERROR, RLO, SCRIPT, assert_inert, assert_isolated, case

CASES: list = []
FORMULAS = [
    '=HYPERLINK("http://evil.test","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd",
]
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _range() -> dict:
    today = timezone.localdate()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}


@case(
    CASES,
    "csv-ticket-subjects-formulas",
    entry="KPI CSV export",
    given="tickets whose subjects start with =, +, - and @ (formulas), exported from a drill-down",
    expect="every such cell is prefixed with ' so a spreadsheet shows it as text",
    outcome="neutralised",
)
def _(w):
    for subject in FORMULAS:
        TicketFactory(subject=subject)
    rows = _csv(w.manager_client.get("/dashboard/export/drill.csv", {"metric": "volume", **_range()}))
    subjects = {row["subject"] for row in rows}
    assert {f"'{formula}" for formula in FORMULAS} <= subjects


@case(
    CASES,
    "csv-customer-and-agent-names-formulas",
    entry="KPI CSV export",
    given="a customer named =1+1 and an agent named @SUM(A1) with a solved ticket",
    expect="the customer cell (drill export) and the agent cell (agents export) start with '",
    outcome="neutralised",
)
def _(w):
    agent = staff_user(AGENT, username="csv-agent", first_name="@SUM(A1)", last_name="")
    w.team.members.add(agent)
    customer = CustomerFactory(display_name="=1+1", email="formula@example.test")
    ticket = TicketFactory(team=w.team, customer_email="formula@example.test")
    assert ticket.customer_id == customer.pk
    ticket_assign(ticket=ticket, assignee=agent, by=agent)
    ticket_reply(ticket=ticket, by=agent, body="Done.")
    ticket_set_status(ticket=ticket, status="solved", by=agent)
    drill = _csv(w.manager_client.get("/dashboard/export/drill.csv", {"metric": "volume", **_range()}))
    assert "'=1+1" in {row["customer"] for row in drill}
    agents = _csv(w.manager_client.get("/dashboard/export/agents.csv", _range()))
    assert "'@SUM(A1)" in {row["agent"] for row in agents}


@case(
    CASES,
    "help-search-markup",
    entry="help center",
    given="the help center searched for <script> and <img onerror> markup",
    expect="200; the query is shown escaped inside <bdi>",
    outcome="inert",
)
def _(w):
    query = f"{SCRIPT}{IMG_ONERROR}"
    response = w.anon_client.get("/help/search/", {"q": query})
    assert response.status_code == 200
    assert_inert(response.content, visible=query)
    assert_isolated(response.content, text=query, stripped=False)


@case(
    CASES,
    "help-search-rtl-override",
    entry="help center",
    given="a search for 'refund<U+202E>lanruoj' (a right-to-left override)",
    expect="the query is echoed inside <bdi>, so the override cannot reorder the page around it",
    outcome="isolated",
)
def _(w):
    query = f"refund{RLO}lanruoj"
    response = w.anon_client.get("/help/search/", {"q": query})
    assert response.status_code == 200
    assert_isolated(response.content, text=query, stripped=False)


@case(
    CASES,
    "help-search-null-byte",
    entry="help center",
    given="a NUL (%00) in the help center search, the suggestions and a category address",
    expect="400, not a server error (PostgreSQL cannot search for NUL)",
    outcome="4xx",
)
def _(w):
    for url in ("/help/search/?q=pass%00word", "/help/suggest/?q=pass%00word", "/help/categories/a%00b/"):
        response = w.anon_client.get(url)
        assert response.status_code == 400, url
        assert b"Null characters are not allowed" in response.content


@case(
    CASES,
    "help-article-markdown-script-and-javascript-links",
    entry="help center",
    given="an article whose Markdown has <script>, <img onerror>, [x](javascript:…) and ![x](javascript:…)",
    expect="the public article page has none of them live",
    outcome="inert",
)
def _(w):
    body = (
        f"Intro\n\n{SCRIPT}\n\n{IMG_ONERROR}\n\n[hd-xss link](javascript:alert('hd-xss'))\n\n"
        "![pic](javascript:alert('hd-xss'))\n\n<a href=\"jav&#x09;ascript:alert('hd-xss')\">tab link</a>"
    )
    article = kb_article(title=f"Reset {SCRIPT}", body=body, state=Article.State.PUBLISHED)
    response = w.anon_client.get(f"/help/articles/{article.pk}/", follow=True)
    assert response.status_code == 200
    assert_inert(response.content, visible="hd-xss link")


@case(
    CASES,
    "dst-sla-due-berlin-spring-forward",
    entry="services",
    given="a ticket opened 01:30 Berlin time on 29 March 2026 (clocks skip 02:00-03:00), 4 h SLA",
    expect="first response due 4 elapsed hours later: 06:30 CEST (04:30 UTC), not 05:30",
    outcome="correct",
)
def _(w):
    created = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    ticket = TicketFactory(created_at=created)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == datetime(2026, 3, 29, 4, 30, tzinfo=UTC)
    assert ticket.resolution_due_at - ticket.created_at == timedelta(hours=24)


@case(
    CASES,
    "dst-sla-due-new-york-fall-back",
    entry="services",
    given="a ticket opened 00:30 New York time on 1 November 2026 (clocks repeat 01:00-02:00), 4 h/24 h SLA",
    expect="due 4 and 24 elapsed hours later (03:30 EST; 23:30 EST next day)",
    outcome="correct",
)
def _(w):
    created = datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK)
    ticket = TicketFactory(created_at=created)
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert ticket.resolution_due_at == datetime(2026, 11, 2, 4, 30, tzinfo=UTC)


def _volume(w, day: date) -> int:
    response = w.manager_client.get("/api/v1/kpis/volume/", {"from": day.isoformat(), "to": day.isoformat()})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    return results[0]["value"] if results else 0


@case(
    CASES,
    "dst-kpi-days-new-york-23-hour-day",
    entry="REST API",
    given="TIME_ZONE America/New_York; tickets at the edges of 8 March 2026 (a 23-hour day)",
    expect="the KPI API counts each in its local day: 7 March 1, 8 March 2, 9 March 1",
    outcome="correct",
)
def _(w):
    w.settings.TIME_ZONE = "America/New_York"
    edges = [
        datetime(2026, 3, 8, 4, 59, tzinfo=UTC),  # 7 March 23:59 EST
        datetime(2026, 3, 8, 5, 0, tzinfo=UTC),  # 8 March 00:00 EST
        datetime(2026, 3, 9, 3, 59, tzinfo=UTC),  # 8 March 23:59 EDT
        datetime(2026, 3, 9, 4, 0, tzinfo=UTC),  # 9 March 00:00 EDT
    ]
    for at in edges:
        TicketFactory(created_at=at)
    assert [_volume(w, date(2026, 3, d)) for d in (7, 8, 9)] == [1, 2, 1]


@case(
    CASES,
    "dst-kpi-days-berlin-25-hour-day",
    entry="REST API",
    given="TIME_ZONE Europe/Berlin; tickets at the edges of 25 October 2026 (a 25-hour day)",
    expect="24 October 1, 25 October 2, 26 October 1",
    outcome="correct",
)
def _(w):
    w.settings.TIME_ZONE = "Europe/Berlin"
    edges = [
        datetime(2026, 10, 24, 21, 59, tzinfo=UTC),  # 24 Oct 23:59 CEST
        datetime(2026, 10, 24, 22, 0, tzinfo=UTC),  # 25 Oct 00:00 CEST
        datetime(2026, 10, 25, 22, 59, tzinfo=UTC),  # 25 Oct 23:59 CET
        datetime(2026, 10, 25, 23, 0, tzinfo=UTC),  # 26 Oct 00:00 CET
    ]
    for at in edges:
        TicketFactory(created_at=at)
    assert [_volume(w, date(2026, 10, d)) for d in (24, 25, 26)] == [1, 2, 1]


@case(
    CASES,
    "dst-kpi-first-response-across-spring-forward",
    entry="REST API",
    given="TIME_ZONE Europe/Berlin; a ticket opened 01:30 and answered 03:30 local time on 29 March 2026",
    expect="first response time 3,600 s (one elapsed hour), not two",
    outcome="correct",
)
def _(w):
    w.settings.TIME_ZONE = "Europe/Berlin"
    ticket = builders.ticket(
        customer=CustomerFactory(), created_at=datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    )
    builders.message(ticket, at=datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN), author=w.agent)
    response = w.manager_client.get(
        "/api/v1/kpis/first_response_time/", {"from": "2026-03-29", "to": "2026-03-29"}
    )
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"key": None, "count": 1, "mean": 3600.0, "median": 3600.0, "p90": 3600.0}
    ]
