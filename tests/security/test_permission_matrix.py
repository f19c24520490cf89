"""Every page and API endpoint against every role: allowed or refused, table-driven.

A request is *refused* when it answers 401, 403 or 404, or redirects to the sign-in page;
anything else (including a 400 for an empty form) got past the permission checks and is
*allowed*. Objects of another team are refused with 404, so ids cannot be probed.
A URL name missing from the table fails `test_every_url_is_in_the_matrix`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from helpdesk.roles import ADMIN, AGENT, MANAGER, QA_REVIEWER
from tests.factories import CustomerFactory, TeamFactory, TicketFactory, portal_user, staff_user

pytestmark = pytest.mark.django_db

ANON, CUSTOMER, OTHER, AGENT_, QA, MANAGER_, ADMIN_ = (
    "anonymous",
    "customer",
    "agent of another team",
    "agent",
    "qa reviewer",
    "manager",
    "admin",
)
ROLES = [ANON, CUSTOMER, OTHER, AGENT_, QA, MANAGER_, ADMIN_]
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {ANON}
STAFF = {OTHER, AGENT_, QA, MANAGER_, ADMIN_}
TEAM_A = {AGENT_, QA, MANAGER_, ADMIN_}  # may see team A's ticket
OVERSIGHT = {MANAGER_, ADMIN_}
ADMINS = {ADMIN_}


@dataclass
class World:
    users: dict
    ticket: object
    customer: object
    attachment_token: str
    article_pk: int
    portal_ticket: object
    portal_attachment_token: str
    survey_token: str
    saved_view_pk: int
    endpoint_pk: int
    delivery_pk: int
    token_pk: int
    raw_message_pk: int


@pytest.fixture
def world(db) -> World:
    from api.services import api_token_create
    from kb.models import Article
    from lifecycle.models import ExitSurvey
    from lifecycle.services import exit_survey_token
    from tests.factories import kb_article
    from tickets.channels.email.ingest import email_receive
    from tickets.models import RawEmail, SavedView, Ticket
    from tickets.services import ticket_note, ticket_reply
    from webhooks.models import Delivery, Endpoint

    agent = staff_user(AGENT, username="m-agent")
    other = staff_user(AGENT, username="m-other")
    qa = staff_user(QA_REVIEWER, username="m-qa")
    team_a, _ = TeamFactory(members=[agent]), TeamFactory(members=[other])
    team_a.qa_reviewers.add(qa)
    users = {
        ANON: None,
        CUSTOMER: portal_user(username="m-customer"),
        OTHER: other,
        AGENT_: agent,
        QA: qa,
        MANAGER_: staff_user(MANAGER, username="m-manager"),
        ADMIN_: staff_user(ADMIN, username="m-admin", is_superuser=True, is_staff=True),
    }
    ticket = TicketFactory(team=team_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    note = ticket_note(
        ticket=ticket,
        by=agent,
        body="internal",
        attachments=[SimpleUploadedFile("a.txt", b"secret", content_type="text/plain")],
    )
    customer = CustomerFactory()
    now = timezone.now()
    survey = ExitSurvey.objects.create(customer=customer, churned_at=now, expires_at=now + timedelta(days=30))
    endpoint = Endpoint.objects.create(url="https://hooks.example.com/x", events=["ticket.created"])
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_type="ticket.created", event_key="k", payload={}
    )
    token, _ = api_token_create(name="m", user=agent, scopes=["all"])
    article = kb_article(state=Article.State.PUBLISHED)
    portal_ticket = TicketFactory(customer_email=users[CUSTOMER].email, team=team_a)
    reply = ticket_reply(
        ticket=portal_ticket,
        by=agent,
        body="public answer",
        attachments=[SimpleUploadedFile("b.txt", b"for you", content_type="text/plain")],
    )
    emailed = email_receive(
        raw=b"From: Dana <dana@example.test>\r\nTo: support@helpdesk.localhost\r\nSubject: Order 1042\r\n"
        b"Message-ID: <matrix-1@example.test>\r\n\r\nWhere is my order?\r\n",
        source=RawEmail.Source.FILE,
    )
    Ticket.objects.filter(pk=emailed.ticket_id).update(team=team_a)
    return World(
        raw_message_pk=emailed.message_id,
        users=users,
        ticket=ticket,
        customer=customer,
        attachment_token=note.attachments.get().token,
        article_pk=article.pk,
        survey_token=exit_survey_token(survey),
        portal_ticket=portal_ticket,
        portal_attachment_token=reply.attachments.get().token,
        saved_view_pk=SavedView.objects.create(owner=agent, name="mine", query="status=open").pk,
        endpoint_pk=endpoint.pk,
        delivery_pk=delivery.pk,
        token_pk=token.pk,
    )


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: Callable[[World], str]
    allowed: frozenset
    data: dict | None = None


def case(name, method, path, allowed, data=None) -> Case:
    return Case(name, method, path if callable(path) else (lambda w, p=path: p), frozenset(allowed), data)


def ref(w: World) -> str:
    return w.ticket.reference


MATRIX = [
    case("home", "get", "/", SIGNED_IN),
    case("accounts:password_change", "get", "/accounts/password/", SIGNED_IN),
    case("accounts:audit_log", "get", "/accounts/audit/", ADMINS),
    case("accounts:two_factor", "get", "/accounts/two-factor/", STAFF),
    case("tickets:queue", "get", "/tickets/", STAFF),
    case("tickets:bulk", "post", "/tickets/bulk/", STAFF, {}),
    case("tickets:new", "get", "/tickets/new/", STAFF - {QA}),
    case("tickets:saved_view_create", "post", "/tickets/views/", STAFF, {}),
    case(
        "tickets:saved_view_delete", "post", lambda w: f"/tickets/views/{w.saved_view_pk}/delete/", {AGENT_}
    ),
    case("tickets:attachment", "get", lambda w: f"/tickets/attachments/{w.attachment_token}/", TEAM_A),
    case("tickets:detail", "get", lambda w: f"/tickets/{ref(w)}/", TEAM_A),
    case("tickets:compose", "post", lambda w: f"/tickets/{ref(w)}/messages/", TEAM_A, {}),
    case("tickets:update", "post", lambda w: f"/tickets/{ref(w)}/update/", TEAM_A, {}),
    case("tickets:assign_to_me", "post", lambda w: f"/tickets/{ref(w)}/assign-to-me/", TEAM_A),
    case("tickets:solve", "post", lambda w: f"/tickets/{ref(w)}/solve/", TEAM_A),
    case("tickets:merge", "post", lambda w: f"/tickets/{ref(w)}/merge/", TEAM_A, {}),
    case("tickets:canned_preview", "get", lambda w: f"/tickets/{ref(w)}/canned/", TEAM_A),
    case("tickets:canned_apply", "post", lambda w: f"/tickets/{ref(w)}/canned/999999/apply/", set()),
    case("tickets:message-raw", "get", lambda w: f"/tickets/messages/{w.raw_message_pk}/raw/", TEAM_A),
    case("tickets:presence", "post", lambda w: f"/tickets/{ref(w)}/presence/", TEAM_A),
    case("lifecycle:customer_list", "get", "/customers/", STAFF),
    case("lifecycle:customer_detail", "get", lambda w: f"/customers/{w.customer.pk}/", STAFF),
    case("lifecycle:customer_edit", "get", lambda w: f"/customers/{w.customer.pk}/edit/", STAFF - {QA}),
    case("lifecycle:customer_edit", "post", lambda w: f"/customers/{w.customer.pk}/edit/", STAFF - {QA}, {}),
    case("lifecycle:stage_correct", "post", lambda w: f"/customers/{w.customer.pk}/stage/", STAFF, {}),
    case("lifecycle:customer_merge", "post", lambda w: f"/customers/{w.customer.pk}/merge/", STAFF, {}),
    case("lifecycle:customer_export", "get", lambda w: f"/customers/{w.customer.pk}/export/", OVERSIGHT),
    # An empty form: the admin gets it back with errors (400), nothing is erased.
    case("lifecycle:customer_erase", "post", lambda w: f"/customers/{w.customer.pk}/erase/", ADMINS, {}),
    case("lifecycle:funnel", "get", "/customers/funnel/", STAFF),
    case("lifecycle:settings", "get", "/customers/settings/", ADMINS),
    case("lifecycle:exit_survey_report", "get", "/customers/surveys/", STAFF),
    case("lifecycle:exit_survey", "get", lambda w: f"/customers/survey/{w.survey_token}/", EVERYONE),
    case("kpis:dashboard", "get", "/dashboard/", OVERSIGHT),
    case("kpis:drill", "get", "/dashboard/drill/volume/", OVERSIGHT),
    case("kpis:export", "get", "/dashboard/export/agents.csv", OVERSIGHT),
    case("kpis:kb_searches", "get", "/dashboard/self-service/searches/", OVERSIGHT),
    case("kpis:kb_articles", "get", "/dashboard/self-service/articles/?order=unhelpful", OVERSIGHT),
    case("kpis:kb_export", "get", "/dashboard/self-service/export/kb_articles.csv", OVERSIGHT),
    case("api:token_list", "get", "/settings/api-tokens/", ADMINS),
    case("api:token_revoke", "post", lambda w: f"/settings/api-tokens/{w.token_pk}/revoke/", ADMINS),
    case("webhooks:endpoint_list", "get", "/settings/webhooks/", ADMINS),
    case("webhooks:endpoint_detail", "get", lambda w: f"/settings/webhooks/{w.endpoint_pk}/", ADMINS),
    case(
        "webhooks:endpoint_rotate",
        "post",
        lambda w: f"/settings/webhooks/{w.endpoint_pk}/rotate-secret/",
        ADMINS,
    ),
    case(
        "webhooks:delivery_resend",
        "post",
        lambda w: f"/settings/webhooks/deliveries/{w.delivery_pk}/resend/",
        ADMINS,
    ),
    case("help:home", "get", "/help/", EVERYONE),
    case("help:search", "get", "/help/search/?q=password", EVERYONE),
    case("help:suggest", "get", "/help/suggest/?q=password", EVERYONE),
    case("help:article_by_id", "get", lambda w: f"/help/articles/{w.article_pk}/", EVERYONE),
    case("kb:article_list", "get", "/kb/", STAFF),
    case("kb:article_create", "get", "/kb/articles/new/", STAFF),
    case("kb:article_detail", "get", lambda w: f"/kb/articles/{w.article_pk}/", STAFF),
    case("kb:article_edit", "get", lambda w: f"/kb/articles/{w.article_pk}/edit/", STAFF),
    case("kb:article_history", "get", lambda w: f"/kb/articles/{w.article_pk}/history/", STAFF),
    case("kb:preview", "post", "/kb/preview/", STAFF, {"body_markdown": "**x**"}),
    case("kb:search", "get", "/kb/search/?q=x", STAFF),
    case("kb:insights", "get", "/kb/insights/", STAFF),
    case("portal:home", "get", "/portal/", {CUSTOMER}),
    case("portal:ticket_new", "get", "/portal/new/", {CUSTOMER}),
    case("portal:ticket_detail", "get", lambda w: f"/portal/requests/{w.portal_ticket.pk}/", {CUSTOMER}),
    case(
        "portal:ticket_answer",
        "post",
        lambda w: f"/portal/requests/{w.portal_ticket.pk}/answer/",
        {CUSTOMER},
        {},
    ),
    case(
        "portal:ticket_rate", "post", lambda w: f"/portal/requests/{w.portal_ticket.pk}/rate/", {CUSTOMER}, {}
    ),
    case(
        "portal:attachment_download",
        "get",
        lambda w: f"/portal/files/{w.portal_attachment_token}/",
        {CUSTOMER},
    ),
    case("portal:chat_messages", "get", "/portal/chat/messages/", {ANON, CUSTOMER}),
    # Token-only: a browser session, whoever it belongs to, is refused.
    case("inbound_messages:create", "post", "/inbound/messages/", set(), {}),
    case("inbound_messages:conversation_list", "get", "/inbound/messages/conversations/?ticket=1", set()),
    case("inbound_messages:conversation_detail", "get", "/inbound/messages/conversations/chat/abc/", set()),
    # The API, signed in with the session (tokens and scopes have their own tests).
    case("api-me", "get", "/api/v1/me/", SIGNED_IN),
    case("api-ticket-list", "get", "/api/v1/tickets/", STAFF),
    case("api-ticket-detail", "get", lambda w: f"/api/v1/tickets/{w.ticket.pk}/", TEAM_A),
    case("api-ticket-messages", "get", lambda w: f"/api/v1/tickets/{w.ticket.pk}/messages/", TEAM_A),
    case("api-ticket-rating", "post", lambda w: f"/api/v1/tickets/{w.ticket.pk}/rating/", TEAM_A, {}),
    case("api-rating-list", "get", "/api/v1/ratings/", STAFF),
    case("api-canned-reply-list", "get", "/api/v1/canned-replies/", STAFF),
    case("api-team-list", "get", "/api/v1/teams/", STAFF),
    case("api-agent-list", "get", "/api/v1/agents/", STAFF),
    case("api-customer-list", "get", "/api/v1/customers/", STAFF),
    case(
        "api-customer-lookup",
        "get",
        lambda w: f"/api/v1/customers/lookup/?value={w.customer.emails.get().address}",
        STAFF,
    ),
    case("api-customer-detail", "get", lambda w: f"/api/v1/customers/{w.customer.pk}/", STAFF),
    case(
        "api-customer-stage-history",
        "get",
        lambda w: f"/api/v1/customers/{w.customer.pk}/stage-history/",
        STAFF,
    ),
    case("api-customer-merge", "post", lambda w: f"/api/v1/customers/{w.customer.pk}/merge/", STAFF, {}),
    case("api-customer-export", "get", lambda w: f"/api/v1/customers/{w.customer.pk}/export/", OVERSIGHT),
    # No reason: the admin gets a 400 and nothing is erased.
    case("api-customer-erase", "post", lambda w: f"/api/v1/customers/{w.customer.pk}/erase/", ADMINS, {}),
    case("api-lifecycle-event", "post", "/api/v1/lifecycle/events/", STAFF, {}),
    case("api-lifecycle-events-bulk", "post", "/api/v1/lifecycle/events/bulk/", STAFF, {}),
    case("kpis_api:metric", "get", "/api/v1/kpis/volume/?from=2026-01-01&to=2026-01-31", OVERSIGHT),
]
# Public by design, or reached only through another flow; not role-checked here.
NOT_ROLE_PAGES = {
    "accounts:login",
    "accounts:logout",
    "accounts:login_verify",
    "healthz",
    "readyz",
    "api-schema",
    "api-docs",
    "help:category",
    "help:vote",
    "help:article",
    "portal:magic_link_request",
    "portal:magic_link_signin",
    "portal:chat_demo",
    "inbound-email",  # shared-secret only: tests/tickets/channels/test_inbound_email_endpoint_requests.py
    "rating",  # a signed token is the credential: tests/tickets/channels/test_followup_rating_flow.py
    "api-ticket-list",
    "api-canned-reply-detail",
    "api-team-detail",
    "api-agent-detail",
}


def refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("entry", MATRIX, ids=lambda c: c.name)
def test_role_matrix(client, world, entry):
    wrong = []
    for role in ROLES:
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        response = getattr(client, entry.method)(entry.path(world), entry.data or {})
        expected_allowed = role in entry.allowed
        if refused(response) == expected_allowed:
            wrong.append(
                f"{role}: {response.status_code} (expected {'allowed' if expected_allowed else 'refused'})"
            )
    assert not wrong, f"{entry.name}: " + "; ".join(wrong)


def _url_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_raw_email_row_downloads_the_original(client, world):
    """The matrix row above is not vacuous: the team's agent gets the stored bytes as a download."""
    from tickets.models import RawEmail

    client.force_login(world.users[AGENT_])
    response = client.get(f"/tickets/messages/{world.raw_message_pk}/raw/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content == bytes(RawEmail.objects.get(message_id=world.raw_message_pk).raw)


def test_every_url_is_in_the_matrix():
    covered = {c.name for c in MATRIX} | NOT_ROLE_PAGES
    missing = sorted(set(_url_names(get_resolver().url_patterns)) - covered)
    assert not missing, f"URLs with no permission expectation: {missing}"
