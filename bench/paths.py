"""The HTTP paths measured, each with who calls it and how."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from bench import load

NEXT_LINK = re.compile(r'rel="next" href="(\?[^"]+)"')
PASSWORD = "demo"  # noqa: S105 - the seeded demo users' password, benchmark database only  # nosec B105


@dataclass
class Path:
    name: str
    user: str | None  # a demo username, "token" for the API token, None for anonymous
    call: Callable[[load.Session, int, dict], tuple]
    ok: tuple[int, ...] = (200,)
    requests: int | None = None  # default from the config


def fixtures() -> dict:
    """Ids the paths need, read from the benchmark database."""
    from api.services import api_token_create
    from tickets.models import Ticket

    User = get_user_model()
    admin = User.objects.get(username="admin")
    agent = User.objects.get(username="agent")
    visible = (
        Ticket.objects.filter(team__members=agent, merged_into__isnull=True, is_spam=False)
        .order_by("-id")
        .values_list("id", flat=True)[:500]
    )
    references = [f"{Ticket(pk=pk).reference}" for pk in visible]
    _, token = api_token_create(name="bench", user=admin, scopes=["all"])
    from lifecycle.models import Customer

    customers = list(Customer.objects.order_by("-id").values_list("id", flat=True)[:500])
    emails = [f"bench-{uuid.uuid4().hex[:8]}@example.com"]
    return {
        "references": references,
        "ticket_ids": list(visible),
        "customers": customers,
        "token": token,
        "emails": emails,
        **_help_center(),
    }


def _help_center() -> dict:
    """Public articles spread over the whole knowledge base (canonical URLs), and the categories."""
    from django.conf import settings

    from kb.models import Article, ArticleTranslation, Category

    public = Article.objects.public()
    articles = list(
        ArticleTranslation.objects.filter(article__in=public, language=settings.KB_DEFAULT_LANGUAGE)
        .order_by("article_id")
        .values_list("article_id", "slug")
    )
    step = max(1, len(articles) // 500)
    categories = Category.objects.filter(sections__articles__in=public).distinct().order_by("position")
    return {
        "article_paths": [f"/help/articles/{pk}-{slug}/" for pk, slug in articles[::step]],
        "category_paths": [f"/help/categories/{slug}/" for slug in categories.values_list("slug", flat=True)],
    }


def _pick(values: list, index: int):
    return values[index % len(values)]


def _login(session: load.Session, i: int, fx: dict):
    session.cookies.clear()
    session.get("/accounts/login/")
    return session.post_form(
        "/accounts/login/",
        {
            "username": "agent",
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
    )


def _get(path: str) -> Callable:
    return lambda session, i, fx: session.get(path)


def _deep_page(session, i, fx):
    """Five pages into "All statuses", following the queue's own keyset cursors."""
    response, body = session.get("/tickets/?view=all")
    for _ in range(5):
        match = NEXT_LINK.search(body.decode())
        if not match:
            break
        response, body = session.get("/tickets/" + match.group(1).replace("&amp;", "&"))
    return response, body


def _ticket_page(session, i, fx):
    return session.get(f"/tickets/{_pick(fx['references'], i)}/")


def _customer_page(session, i, fx):
    return session.get(f"/customers/{_pick(fx['customers'], i)}/")


def _api_ticket_create(session, i, fx):
    body = json.dumps(
        {
            "subject": f"Bench ticket {i}",
            "body": "Load test body",
            "customer_email": f"bench{i % 2000}@example.com",
        }
    ).encode()
    return session.post_json("/api/v1/tickets/", body)


def _api_bulk_events(session, i, fx):
    customer = _pick(fx["customers"], i)
    events = [
        {
            "customer": customer,
            "type": "visited",
            "occurred_at": "2026-01-01T00:00:00Z",
            "source": "bench",
            "idempotency_key": f"{uuid.uuid4().hex}",
        }
        for _ in range(1000)
    ]
    return session.post_json("/api/v1/lifecycle/events/bulk/", json.dumps({"events": events}).encode())


def _help_article(session, i, fx):
    return session.get(_pick(fx["article_paths"], i))


def _help_category(session, i, fx):
    """A category's first three pages (30 articles each), most visitors staying on the first."""
    page = (1, 1, 1, 2, 3)[i % 5]
    return session.get(_pick(fx["category_paths"], i) + (f"?page={page}" if page > 1 else ""))


def _reply_post(session, i, fx):
    reference = _pick(fx["references"], i)
    return session.post_form(
        f"/tickets/{reference}/messages/",
        {
            "kind": "note",
            "body": f"Benchmark note {i}",
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
    )


PATHS: list[Path] = [
    Path("login", None, _login, ok=(302,), requests=60),
    Path("queue: my open", "agent", _get("/tickets/?view=mine")),
    Path("queue: unassigned", "agent", _get("/tickets/?view=unassigned")),
    Path("queue: filtered", "agent", _get("/tickets/?view=open&priority=high&channel=email")),
    Path("queue: full-text search", "agent", _get("/tickets/?view=all&q=refund")),
    Path("queue: deep page", "agent", _deep_page),
    Path("ticket page", "agent", _ticket_page),
    Path("reply post", "agent", _reply_post, ok=(200, 302), requests=100),
    Path("customer page", "agent", _customer_page),
    Path("dashboard 30 days", "manager", _get("/dashboard/?range=30")),
    Path("dashboard 90 days", "manager", _get("/dashboard/?range=90")),
    Path("dashboard 30 days filtered", "manager", _get("/dashboard/?range=30&channel=email&priority=high")),
    Path("api ticket list", "token", _get("/api/v1/tickets/")),
    Path("api ticket create", "token", _api_ticket_create, ok=(201,), requests=150),
    Path("api bulk lifecycle events (1,000)", "token", _api_bulk_events, ok=(200, 201), requests=10),
    Path("help center home", None, _get("/help/")),
    Path("help center search", None, _get("/help/search/?q=password")),
    Path("help center category", None, _help_category),
    Path("help center article", None, _help_article),
]


def _session_for(port: int, user: str | None, fx: dict) -> load.Session:
    session = load.Session("127.0.0.1", port)
    if user == "token":
        session.headers["Authorization"] = f"Token {fx['token']}"
    elif user:
        session.login(user, PASSWORD)
    return session


def selected(only: str) -> list[Path]:
    """The paths whose name contains one of the comma-separated words of `only` (all if empty)."""
    words = [w.strip() for w in only.split(",") if w.strip()]
    return [p for p in PATHS if not words or any(w in p.name for w in words)]


def run_all(port: int, fx: dict, config: dict) -> list[dict]:
    summaries = []
    for path in selected(config.get("only", "")):
        print(f"  {path.name} ...", flush=True)
        try:
            _session_for(port, path.user, fx)  # can this user sign in at all?
        except Exception as exc:
            summaries.append(load.Result(path.name, errors=[f"{type(exc).__name__}: {exc}"]).summary())
            continue
        result = load.run(
            path.name,
            lambda p=path: _session_for(port, p.user, fx),
            lambda session, i, p=path: p.call(session, i, fx),
            requests=path.requests or config["requests"],
            concurrency=config["concurrency"],
            seconds=config["seconds"],
            ok=path.ok,
        )
        summaries.append(result.summary())
    return summaries
