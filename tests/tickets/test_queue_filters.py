"""Queue filters narrow the chosen view; nonsense input narrows to nothing rather than failing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.models import Customer
from tests.factories import TicketFactory
from tests.tickets.workspace import agent_in, team
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    red, blue = team(name="Red"), team(name="Blue")
    me = agent_in(red, username="me")
    blue.members.add(me)
    other = agent_in(red, username="other")
    TicketFactory(subject="Urgent email", priority="urgent", channel="email", team=red, assignee=me)
    TicketFactory(subject="Low chat", priority="low", channel="chat", team=blue, type="incident")
    TicketFactory(subject="Tagged", team=red, tags=["billing", "vip"], assignee=other)
    TicketFactory(subject="Pending one", team=None, status="pending")
    loyal = TicketFactory(subject="Loyal customer", team=red, customer_email="loyal@example.test")
    Ticket.objects.filter(pk=loyal.pk).update(customer_stage_at_open="loyalty")
    return me, red, blue, other


def subjects(client, query):
    response = client.get(f"/tickets/?view=open&{query}")
    assert response.status_code == 200
    return {t.subject for t in response.context["result"].page.rows}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("priority=urgent", {"Urgent email"}),
        ("priority=urgent&priority=low", {"Urgent email", "Low chat"}),
        ("status=pending", {"Pending one"}),
        ("channel=chat", {"Low chat"}),
        ("type=incident", {"Low chat"}),
        ("tag=billing", {"Tagged"}),
        ("tag=BILLING", {"Tagged"}),
        ("assignee=me", {"Urgent email"}),
        ("assignee=none", {"Low chat", "Pending one", "Loyal customer"}),
        ("team=none", {"Pending one"}),
        ("stage=loyalty", {"Loyal customer"}),
        ("q=chat", {"Low chat"}),
        ("q=loyal@example.test", {"Loyal customer"}),
    ],
)
def test_filter_narrows_queue(client, world, query, expected):
    me, *_ = world
    client.force_login(me)
    assert subjects(client, query) == expected


def test_filter_by_team_and_assignee_ids(client, world):
    me, _red, blue, other = world
    client.force_login(me)
    assert subjects(client, f"team={blue.pk}") == {"Low chat"}
    assert subjects(client, f"assignee={other.pk}") == {"Tagged"}


@pytest.mark.parametrize(
    "query", ["team=abc", "assignee=xyz", "priority=bogus", "status=<script>", "stage=nowhere", "size=abc"]
)
def test_bad_filter_values_never_fail(client, world, query):
    me, *_ = world
    client.force_login(me)
    response = client.get(f"/tickets/?view=open&{query}")
    assert response.status_code == 200
    assert "<script>" not in response.text.split('id="main"', 1)[1]


def test_invalid_choice_shows_no_tickets_and_an_error(client, world):
    me, *_ = world
    client.force_login(me)
    response = client.get("/tickets/?view=open&priority=bogus")
    assert response.context["result"].page.rows == []
    assert "Select a valid choice" in response.text


def test_filter_form_keeps_values_and_has_labels(client, world):
    me, *_ = world
    client.force_login(me)
    body = client.get("/tickets/?view=open&channel=chat&q=hello").text
    for name in (
        "q",
        "status",
        "priority",
        "team",
        "assignee",
        "channel",
        "type",
        "tag",
        "stage",
        "sort",
        "size",
    ):
        assert f'for="id_{name}"' in body
    assert 'value="hello"' in body
    assert '<option value="chat" selected>' in body


def test_htmx_filter_request_returns_results_fragment(client, world):
    me, *_ = world
    client.force_login(me)
    response = client.get(
        "/tickets/?view=open&channel=chat", headers={"HX-Request": "true", "HX-Target": "queue-results"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Low chat" in response.text and "Urgent email" not in response.text


def test_customer_name_with_markup_is_inert_in_queue(client, world):
    me, red, *_ = world
    ticket = TicketFactory(
        subject="<script>alert(1)</script>", team=red, customer_name="<img src=x onerror=alert(2)>"
    )
    Customer.objects.filter(pk=ticket.customer_id).update(display_name="<img src=x onerror=alert(2)>")
    client.force_login(me)
    body = client.get("/tickets/?view=open").text
    assert "<script>alert(1)</script>" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_blank_form_fields_as_a_browser_sends_them_filter_nothing(client, world):
    me, *_ = world
    client.force_login(me)
    blank = "status=&priority=&team=&assignee=&channel=&type=&tag=&stage=&sort=updated&size=25"
    assert subjects(client, f"{blank}&q=chat") == {"Low chat"}


def test_several_values_of_one_field_need_no_distinct(client, world):
    me, *_ = world
    client.force_login(me)
    with CaptureQueriesContext(connection) as captured:
        assert subjects(client, "status=new&status=pending&priority=urgent&priority=normal") == {
            "Urgent email",
            "Pending one",
            "Tagged",
            "Loyal customer",
        }
    # SELECT DISTINCT would make the database sort every match rather than read one page off an index.
    assert not [
        q for q in captured.captured_queries if "DISTINCT" in q["sql"] and "tickets_ticket" in q["sql"]
    ]


def test_another_teams_filter_shows_only_the_agents_own_tickets_there(client, world):
    _me, _red, blue, _other = world
    outsider = agent_in(team(name="Green"), username="outsider")
    TicketFactory(subject="Blue, mine", team=blue, assignee=outsider)
    TicketFactory(subject="Blue, not mine", team=blue)
    client.force_login(outsider)
    assert subjects(client, f"team={blue.pk}") == {"Blue, mine"}


def test_the_filter_form_class_is_built_once_and_each_form_keeps_its_own_fields(world):
    from django.http import QueryDict

    from tickets.filters import TicketFilter
    from tickets.forms import FastSelect, style_queue_filters

    # Every filter is declared whole in the class: none takes a queryset or choices to compute.
    for declared in TicketFilter.base_filters.values():
        assert "queryset" not in declared.extra and not callable(declared.extra.get("choices"))
    first = TicketFilter(QueryDict("priority=high"), queryset=Ticket.objects.all())
    second = TicketFilter(QueryDict("priority=low"), queryset=Ticket.objects.all())
    assert type(first.form) is type(second.form)
    styled = style_queue_filters(first, agents=[], teams=[])
    assert isinstance(styled.fields["team"].widget, FastSelect)
    # What one page did to its form's fields is not seen by the next page's form.
    assert not isinstance(second.form.fields["team"].widget, FastSelect)
    assert styled.fields["priority"] is not second.form.fields["priority"]
    assert first.is_valid() and second.is_valid()
    assert first.form.cleaned_data["priority"] == ["high"]
    assert second.form.cleaned_data["priority"] == ["low"]
