import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from api.services import api_token_create
from helpdesk.roles import AGENT
from tests.factories import CannedReplyFactory, TeamFactory, TicketFactory, staff_user
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def client_for(user, scopes=("all",)) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(name='t', user=user, scopes=list(scopes))[1]}"
    )
    return client


@pytest.fixture
def team(agent):
    return TeamFactory(members=[agent])


def test_create_ticket_with_three_fields_answers_201_with_reference(agent):
    response = client_for(agent).post(
        "/api/v1/tickets/",
        {"subject": "Broken", "body": "It broke", "customer_email": "Ann@Example.com"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert body["reference"] == ticket.reference
    assert (ticket.channel, ticket.direction, ticket.status) == ("api", "inbound", "new")
    assert ticket.customer.emails.get().address == "ann@example.com"
    assert ticket.messages.get().sender == Message.Sender.CUSTOMER


def test_create_with_idempotency_key_creates_once(agent):
    client = client_for(agent)
    payload = {"subject": "Once", "body": "x", "customer_email": "a@example.com", "tags": ["Billing"]}
    first = client.post("/api/v1/tickets/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = client.post("/api/v1/tickets/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.json() == second.json()
    assert Ticket.objects.count() == 1
    assert first.json()["tags"] == ["billing"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x", "customer_email": "a@example.com"}, "subject"),
        ({"subject": "x", "body": "x", "customer_email": "not an email"}, "customer_email"),
        ({"subject": "x", "body": "x", "customer_email": "a@example.com", "priority": "asap"}, "priority"),
        ({"subject": ["x"], "body": "x", "customer_email": "a@example.com"}, "subject"),
        ({"subject": "x", "body": "x", "customer_email": "a@example.com", "team": 10**30}, "team"),
        ({"subject": "x", "body": "x", "customer_email": "a@example.com", "team": -1}, "team"),
        ({"subject": "x", "body": "x", "customer_email": "a@example.com", "colour": "red"}, "colour"),
        ({"subject": "x", "body": "x", "customer_email": "a@example.com", "tags": "a,b"}, "tags"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(agent, payload, field):
    response = client_for(agent).post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"]
    assert not Ticket.objects.exists()


def test_malformed_json_is_a_400(agent):
    response = client_for(agent).post("/api/v1/tickets/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_list_shows_only_visible_tickets_and_filters(agent, team, django_assert_max_num_queries):
    mine = [TicketFactory(team=team, priority="high") for _ in range(12)]
    other = TicketFactory(team=TeamFactory())
    client = client_for(agent, ["tickets:read"])
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/tickets/?page_size=50")
    ids = {t["id"] for t in response.json()["results"]}
    assert ids == {t.pk for t in mine}
    assert client.get(f"/api/v1/tickets/{other.pk}/").status_code == 404
    assert client.get("/api/v1/tickets/?priority=low").json()["results"] == []
    assert len(client.get("/api/v1/tickets/?status=new&ordering=created_at").json()["results"]) == 12


def test_list_pages_with_cursor(agent, team):
    for _ in range(7):
        TicketFactory(team=team)
    client = client_for(agent)
    first = client.get("/api/v1/tickets/?page_size=5").json()
    second = client.get(first["next"]).json()
    seen = [t["id"] for t in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 7 and second["next"] is None


def test_patch_changes_fields_through_services(agent, team):
    ticket = TicketFactory(team=team)
    other_agent = staff_user(AGENT)
    response = client_for(agent).patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"status": "open", "priority": "urgent", "assignee": other_agent.pk, "tags": ["vip", "refund"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee) == ("open", "urgent", other_agent)
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {"status", "priority", "assignee", "tags"} <= kinds


def test_patch_refuses_a_forbidden_transition_and_changes_nothing(agent, team):
    ticket = TicketFactory(team=team)
    client = client_for(agent)
    client.patch(f"/api/v1/tickets/{ticket.pk}/", {"status": "closed"}, format="json")
    response = client.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"status": "open", "priority": "low"}, format="json"
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == ("closed", "normal")


def test_patch_needs_a_field_and_staff_assignee(agent, team, customer_user):
    ticket = TicketFactory(team=team)
    client = client_for(agent)
    assert client.patch(f"/api/v1/tickets/{ticket.pk}/", {}, format="json").status_code == 400
    response = client.patch(f"/api/v1/tickets/{ticket.pk}/", {"assignee": customer_user.pk}, format="json")
    assert response.status_code == 400


def test_messages_reply_note_and_attachment(agent, team):
    ticket = TicketFactory(team=team)
    client = client_for(agent)
    upload = SimpleUploadedFile("log.txt", b"line 1\n", content_type="text/plain")
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"kind": "note", "body": "Checked logs", "attachments": [upload]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "note" and response.json()["attachments"][0]["filename"] == "log.txt"
    reply = client.post(
        f"/api/v1/tickets/{ticket.pk}/messages/", {"kind": "reply", "body": "Fixed"}, format="json"
    )
    assert reply.status_code == 201
    listed = client.get(f"/api/v1/tickets/{ticket.pk}/messages/").json()["results"]
    assert [m["kind"] for m in listed] == ["public", "note", "public"]


def test_rating_needs_ratings_scope_and_valid_score(agent, team):
    ticket = TicketFactory(team=team)
    assert (
        client_for(agent, ["tickets:write"])
        .post(f"/api/v1/tickets/{ticket.pk}/rating/", {"score": 5}, format="json")
        .status_code
        == 403
    )
    client = client_for(agent, ["ratings:write", "tickets:read"])
    assert client.post(f"/api/v1/tickets/{ticket.pk}/rating/", {"score": 9}, format="json").status_code == 400
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/rating/", {"score": 4, "comment": "ok"}, format="json"
    )
    assert response.status_code == 201
    assert client.get("/api/v1/ratings/").json()["results"][0]["score"] == 4


def test_scopes_limit_each_resource(agent, team):
    TicketFactory(team=team)
    read_only = client_for(agent, ["tickets:read"])
    assert read_only.get("/api/v1/tickets/").status_code == 200
    denied = read_only.post(
        "/api/v1/tickets/", {"subject": "x", "body": "x", "customer_email": "a@b.co"}, format="json"
    )
    assert denied.status_code == 403
    assert client_for(agent, ["customers:write"]).get("/api/v1/tickets/").status_code == 403
    assert read_only.get("/api/v1/teams/").status_code == 403


def test_teams_agents_and_canned_replies(agent, team):
    CannedReplyFactory()
    client = client_for(agent, ["teams:read", "canned_replies:read"])
    assert client.get("/api/v1/teams/").json()["results"][0]["members"] == [agent.pk]
    agents = client.get("/api/v1/agents/").json()["results"]
    assert agents[0]["username"] == agent.username and agents[0]["roles"] == ["agent"]
    assert len(client.get("/api/v1/canned-replies/").json()["results"]) == 1


def test_customer_portal_user_cannot_use_the_api(customer_user):
    client = APIClient()
    client.force_authenticate(customer_user)
    assert client.get("/api/v1/tickets/").status_code == 403


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.json()["results"]


@pytest.mark.parametrize("query", ["", "?priority=high&status=new", "?ordering=updated_at", "?q=kettle"])
def test_list_queries_do_not_grow_with_rows(agent, team, query):
    client = client_for(agent, ["tickets:read"])
    client.get("/api/v1/tickets/")  # the token's first use records when it was used
    for _ in range(10):
        TicketFactory(team=team, subject="Broken kettle", priority="high", tags=["billing"], assignee=agent)
    small, rows = _count_queries(client, f"/api/v1/tickets/{query}")
    assert len(rows) == 10
    for _ in range(45):
        TicketFactory(team=team, subject="Broken kettle", priority="high", tags=["vip"])
    large, rows = _count_queries(client, f"/api/v1/tickets/{query}")
    assert len(rows) == 50
    # token, roles, team ids, rows, tags (and, for a search on PostgreSQL, how common its words are)
    assert small == large <= 6


def test_list_rows_are_exactly_what_the_declared_fields_give(agent, team):
    from tickets.api.serializers import TicketSerializer
    from tickets.services import ticket_merge, ticket_set_status

    plain = TicketFactory(subject="Plain")
    full = TicketFactory(team=team, assignee=agent, tags=["vip", "billing"], priority="urgent", language="de")
    solved = TicketFactory(team=team)
    ticket_set_status(ticket=solved, status="solved", by=agent)
    merged = TicketFactory(team=team)
    ticket_merge(source=merged, target=full, by=agent)
    serializer = TicketSerializer()
    rows = Ticket.objects.filter(pk__in=[plain.pk, full.pk, solved.pk, merged.pk]).select_related(
        "team", "assignee", "customer"
    )
    for ticket in rows.prefetch_related("tags"):
        assert serializer.to_representation(ticket) == serializer.declared_representation(ticket)
    # The list's rows carry their tags as a plain list.
    from django.db.models import Prefetch

    for ticket in rows.prefetch_related(Prefetch("tags", to_attr="tag_list")):
        assert serializer.to_representation(ticket) == serializer.declared_representation(ticket)
        tags = sorted(serializer.to_representation(ticket)["tags"])
        assert tags == (["billing", "vip"] if ticket.pk == full.pk else [])


def _declared(pk: int) -> dict:
    from tickets.api.serializers import TicketSerializer

    rows = Ticket.objects.select_related("team", "assignee", "customer").prefetch_related("tags")
    return TicketSerializer().declared_representation(rows.get(pk=pk))


@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns"])
def test_list_page_is_exactly_what_the_declared_fields_give(agent, team, zone, settings):
    """The list reads rows of values, not model instances: each must give the same output."""
    from tickets.services import ticket_merge, ticket_reply, ticket_set_status

    settings.TIME_ZONE = zone
    nameless = staff_user(AGENT, first_name="", last_name="")
    plain = TicketFactory(subject="Plain")
    full = TicketFactory(team=team, assignee=agent, tags=["vip", "billing"], priority="urgent", language="de")
    solved = TicketFactory(team=team, assignee=nameless, tags=["zebra"])
    ticket_reply(ticket=solved, by=agent, body="Done")
    ticket_set_status(ticket=solved, status="solved", by=agent)
    merged = TicketFactory(team=team, tags=["billing"])
    ticket_merge(source=merged, target=full, by=agent)
    full.customer.display_name = ""
    full.customer.save()
    client = APIClient()
    client.force_authenticate(staff_user("admin"))
    listed = client.get("/api/v1/tickets/").json()["results"]
    assert [row["id"] for row in listed] == [merged.pk, solved.pk, full.pk, plain.pk]
    for row in listed:
        assert row == _declared(row["id"])
    assert listed[1]["tags"] == ["zebra"] and listed[2]["tags"] == ["billing", "vip"]
    assert listed[1]["assignee"]["name"] == "" and listed[1]["first_public_reply_at"] is not None


@pytest.mark.parametrize("ordering", ["id", "-id", "created_at", "-updated_at", "priority", "-priority"])
def test_list_cursor_pages_through_every_ordering(agent, team, ordering):
    from datetime import timedelta

    # Many tickets share a priority: paging must neither repeat nor skip any among them.
    tickets = [TicketFactory(team=team, priority=["low", "high", "urgent"][i % 3]) for i in range(12)]
    for i, ticket in enumerate(tickets):
        moment = ticket.created_at - timedelta(minutes=i)
        Ticket.objects.filter(pk=ticket.pk).update(created_at=moment, updated_at=moment)
    client = client_for(agent)
    page = client.get(f"/api/v1/tickets/?page_size=3&ordering={ordering}").json()
    seen = page["results"]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += page["results"]
    assert sorted(row["id"] for row in seen) == sorted(t.pk for t in tickets)
    for row in seen:
        assert row == _declared(row["id"])
    back = client.get(page["previous"]).json()
    assert back["results"] == seen[-len(page["results"]) - 3 : -len(page["results"])]


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"tags": ["Billing", "VIP", "billing"], "priority": "urgent", "type": "incident", "language": "de"},
        {"customer_name": "Ann Example", "channel": "email", "priority": "low"},
        {"direction": "outbound", "tags": ["follow up"]},
    ],
)
def test_create_answers_what_a_fresh_read_of_the_ticket_gives(agent, team, extra, settings):
    """The created ticket is answered from memory, not read back: it must give the same output."""
    from lifecycle.services import customer_find_or_create

    settings.TIME_ZONE = "America/St_Johns"
    customer_find_or_create(email="known@example.com", name="Known Customer")
    for address in ("known@example.com", "new@example.com"):
        payload = {"subject": " Broken\tkettle ", "body": "It broke", "customer_email": address.upper()}
        payload |= {"team": team.pk} if extra.get("direction") else {}
        response = client_for(agent).post("/api/v1/tickets/", payload | extra, format="json")
        assert response.status_code == 201, response.json()
        assert response.json() == _declared(response.json()["id"])
    assert response.json()["customer"]["name"] == extra.get("customer_name", "")


def test_create_for_a_known_customer_queries(agent):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(agent)
    payload = {"subject": "Broken", "body": "It broke", "customer_email": "ann@example.com"}
    assert client.post("/api/v1/tickets/", payload, format="json").status_code == 201
    with CaptureQueriesContext(connection) as captured:
        assert client.post("/api/v1/tickets/", payload, format="json").status_code == 201
    statements = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    # token with the user's roles, customer (locked, with the lifecycle thresholds), SLA policy,
    # ticket, CREATED, message, MESSAGE, (search document on PostgreSQL), touchpoint, customer state
    assert len(statements) == (10 if connection.vendor == "postgresql" else 9), statements


def test_an_agent_may_file_a_ticket_to_another_team_or_move_one_there(agent, team):
    other = TeamFactory()
    client = client_for(agent)
    created = client.post(
        "/api/v1/tickets/",
        {"subject": "For billing", "body": "x", "customer_email": "a@example.com", "team": other.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["team"] == {"id": other.pk, "name": other.name}
    assert client.get(f"/api/v1/tickets/{created.json()['id']}/").status_code == 404  # not theirs to see
    mine = TicketFactory(team=team)
    moved = client.patch(f"/api/v1/tickets/{mine.pk}/", {"team": other.pk}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["team"]["id"] == other.pk


@pytest.mark.parametrize("zone", ["UTC", "Asia/Manila", "America/St_Johns"])
def test_list_moments_match_the_declared_fields_in_any_time_zone(agent, team, zone):
    from datetime import UTC, datetime

    from django.utils import timezone

    from tickets.api.serializers import TicketSerializer

    ticket = TicketFactory(team=team)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=datetime(2026, 3, 8, 6, 59, 59, 123456, tzinfo=UTC),
        updated_at=datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
        solved_at=None,
    )
    with timezone.override(zone):
        serializer = TicketSerializer()
        rows = Ticket.objects.select_related("team", "assignee", "customer").prefetch_related("tags")
        row = rows.get(pk=ticket.pk)
        fast, declared = serializer.to_representation(row), serializer.declared_representation(row)
    assert fast == declared
    assert fast["solved_at"] is None and fast["created_at"].startswith("2026-03-")
