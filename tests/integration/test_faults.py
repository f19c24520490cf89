"""Faults on the real services: a worker killed mid-task, Redis down, PostgreSQL restarted, and
the same message delivered twice at once.

Each test brings up what it breaks on its own (a private Redis, a private PostgreSQL cluster) so
that the shared services other tests use stay up; they run serially in one xdist group.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import api_token_create
from helpdesk.celery import app as celery_app
from helpdesk.seeding import Seeder
from helpdesk.seeding import accounts as seed_accounts
from helpdesk.seeding import lifecycle as seed_lifecycle
from helpdesk.seeding import tickets as seed_tickets
from kpis.models import CustomerRisk, KpiCursor, StageSpan, TicketFact, TicketRoot, UnsolvedSpan
from kpis.services import STREAMS, kpis_recompute
from lifecycle.models import Customer
from mail.models import OutboundEmail
from tests.conftest import require_service
from tests.factories import PASSWORD
from tests.integration.conftest import (
    ROOT,
    database_url_for_worker,
    free_port,
    publishing_to,
    start_worker,
    stop_process,
    wait_for,
    worker_env,
)
from tickets.channels.email.ingest import email_receive
from tickets.models import ConversationLink, Message, RawEmail, Ticket
from tickets.tasks import inbound_email_process

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("services")]

# Enough history that recomputing it takes the worker a few seconds.
SEED_TICKETS = 3_000
# The test worker's broker redelivers an unacknowledged task after this many seconds.
VISIBILITY_TIMEOUT = 2


def require_postgres() -> None:
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL does not name one")


# ---- 1. a worker killed with SIGKILL in the middle of a KPI recompute --------------------------


def seed_history(tickets: int) -> None:
    """Two years of realistic tickets and customer stages, written in bulk; no KPI rows yet."""
    seeder = Seeder(tickets=tickets, customers=tickets // 5, seed=7, log=lambda line: None)
    for step in (seed_accounts, seed_lifecycle, seed_tickets):
        with transaction.atomic():
            step.seed(seeder)


def kpi_rows() -> dict[str, Counter]:
    """Every row of every KPI table (and the churn risk handed to customers), without surrogate ids."""
    tables = {
        "ticket roots": TicketRoot.objects.all(),
        "ticket facts": TicketFact.objects.all(),
        "unsolved spans": UnsolvedSpan.objects.all(),
        "stage spans": StageSpan.objects.all(),
        "customer risks": CustomerRisk.objects.all(),
        "customer churn risk": Customer.objects.filter(churn_risk_score__gt=0),
    }
    rows = {}
    for name, queryset in tables.items():
        fields = [f.attname for f in queryset.model._meta.concrete_fields if f.attname != "id"]
        if queryset.model is Customer:
            fields = ["id", "churn_risk_score", "churn_risk_reasons"]
        rows[name] = Counter(tuple(repr(v) for v in row) for row in queryset.values_list(*fields))
    return rows


def differences(got: dict[str, Counter], expected: dict[str, Counter]) -> dict[str, dict]:
    out = {}
    for name in expected:
        missing, extra = expected[name] - got[name], got[name] - expected[name]
        if missing or extra:
            out[name] = {
                "missing": list(missing)[:3],
                "extra": list(extra)[:3],
                "count": len(missing) + len(extra),
            }
    return out


# A table the recompute first touches only after it has written the ticket facts (uncommitted):
# the customers' work table. The test holds a lock on it, so the worker is caught mid-way however
# fast the recompute is, and is killed while it waits.
MID_RECOMPUTE_TABLE = "kpis_workcustomer"


@contextmanager
def holding_mid_recompute_lock():
    """Another session holding an exclusive lock on MID_RECOMPUTE_TABLE until the block ends."""
    db = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"] or "postgres",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    try:
        with blocker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {MID_RECOMPUTE_TABLE} IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        blocker.rollback()
        blocker.close()


def worker_mid_recompute(application_name: str) -> bool:
    """The worker's session waits for the held lock, inside its recompute transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock' "
            "AND state = 'active'",
            [application_name],
        )
        return cursor.fetchone() is not None


def worker_backend_gone(application_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE application_name = %s", [application_name])
        return cursor.fetchone() is None


def cursors_locked() -> bool:
    try:
        with transaction.atomic():
            list(KpiCursor.objects.select_for_update(nowait=True))
    except DatabaseError:
        return True
    return False


def test_worker_killed_mid_recompute_leaves_kpis_equal_to_a_full_recompute(
    redis_url, transactional_db, tmp_path
):
    require_postgres()
    seed_history(SEED_TICKETS)
    for stream in STREAMS:  # the cursors of a helpdesk that has run before
        KpiCursor.objects.get_or_create(stream=stream)
    empty = kpi_rows()
    queue, name = f"test-{uuid.uuid4().hex[:8]}", f"faults-{uuid.uuid4().hex[:8]}"
    env = worker_env(
        database_url=f"{database_url_for_worker()}?application_name={name}",
        redis_url=redis_url,
        mail_dir=tmp_path,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
    )
    log = tmp_path / "worker.log"
    worker = start_worker(env=env, queue=queue, log_path=log, pool="prefork")
    try:
        with publishing_to(redis_url, queue):
            # The nightly recompute, over a window that holds the whole history.
            with holding_mid_recompute_lock():
                task = celery_app.send_task("kpis.tasks.kpis_recompute_recent_task", kwargs={"days": 800})
                assert wait_for(lambda: worker_mid_recompute(name), timeout=60, interval=0.05), (
                    log.read_text()[-3000:]
                )
                assert cursors_locked()
                os.killpg(worker.pid, signal.SIGKILL)
                killed_at = time.monotonic()
                worker.wait(timeout=10)

            # The dead worker's transaction is rolled back and its lock released: nothing half-written.
            assert wait_for(lambda: worker_backend_gone(name), timeout=30), (
                "the killed worker's session lingers"
            )
            assert not cursors_locked()
            assert kpi_rows() == empty
            assert not KpiCursor.objects.exclude(recomputed_at=None).exists()

            # A new worker gets the unacknowledged task again once the visibility timeout has passed.
            time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
            worker = start_worker(env=env, queue=queue, log_path=log, pool="prefork")
            assert wait_for(lambda: KpiCursor.objects.exclude(recomputed_at=None).exists(), timeout=90), (
                log.read_text()[-3000:]
            )
    finally:
        stop_process(worker)

    assert log.read_text().count(f"[{task.id}] received") == 2
    after_redelivery = kpi_rows()
    assert after_redelivery["ticket facts"].total() == Ticket.objects.filter(is_spam=False).count()
    assert after_redelivery["stage spans"] and after_redelivery["customer risks"]
    kpis_recompute()
    assert differences(after_redelivery, kpi_rows()) == {}


# ---- 2. Redis down: the web and the API go on; the work waits in rows ---------------------------

INBOUND_SECRET = "faults-inbound"


def inbound_email(message_id: str, sender: str = "lee@customer.example") -> bytes:
    return (
        f"From: Lee <{sender}>\r\nTo: support@helpdesk.localhost\r\nSubject: Cannot log in\r\n"
        f"Message-ID: <{message_id}>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\n"
        "The login page says my account is locked.\r\n"
    ).encode()


def sign_in(client, user) -> None:
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


def work_while_redis_is_down(client, portal_client, agent, customer_user, token: str) -> dict:
    """What agents, customers and integrations do during the outage; every step must succeed."""
    sign_in(client, agent)
    sign_in(portal_client, customer_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.post(
        "/api/v1/tickets/",
        {
            "subject": "Invoice missing",
            "body": "Where is my invoice?",
            "customer_email": "kim@example.com",
            "channel": "email",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    emailed = Ticket.objects.get(pk=response.json()["id"])
    assert client.get(reverse("tickets:queue")).status_code == 200
    assert client.get(reverse("tickets:detail", args=[emailed.reference])).status_code == 200
    response = client.post(
        reverse("tickets:compose", args=[emailed.reference]), {"kind": "reply", "body": "Attached again."}
    )
    assert response.status_code == 302, response.content[:500]
    response = portal_client.post(
        reverse("portal:ticket_new"), {"subject": "Broken link", "body": "404 here."}
    )
    assert response.status_code == 302, response.content[:500]
    portal = Ticket.objects.get(channel=Ticket.Channel.PORTAL)
    response = api.post(
        f"/api/v1/tickets/{portal.pk}/messages/", {"kind": "reply", "body": "Fixed the link."}, format="json"
    )
    assert response.status_code == 201, response.content
    response = client.post(
        "/inbound/email/",
        data=inbound_email(f"{uuid.uuid4().hex}@customer.example"),
        content_type="message/rfc822",
        headers={"X-Inbound-Secret": INBOUND_SECRET},
    )
    assert response.status_code == 202, response.content
    return {"emailed": emailed, "portal": portal}


def beat_tick(*names: str) -> None:
    """Publish periodic tasks by name, as celery beat does (beat's own timer is not under test)."""
    for name in names:
        celery_app.send_task(name)


def test_with_redis_down_tickets_are_created_and_answered_and_the_work_runs_when_it_returns(
    transactional_db, private_redis, settings, tmp_path, client, agent, customer_user
):
    settings.CACHES = {
        "default": {
            "BACKEND": "helpdesk.cache.FailSoftRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    settings.INBOUND_EMAIL_SECRET = INBOUND_SECRET
    settings.MEDIA_ROOT = tmp_path / "media"
    token = api_token_create(name="integration", user=agent, scopes=["all"])[1]
    db_url = database_url_for_worker()
    require_service("A database a second process can open", bool(db_url), "the test database is in memory")
    # The Redis is this test's own: the worker takes the default queue, where tasks that tasks
    # publish (the sweeps' email_send) go too.
    queue, mail_dir, log = "celery", tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    worker = start_worker(
        env=worker_env(database_url=db_url, redis_url=private_redis.url, mail_dir=mail_dir),
        queue=queue,
        log_path=log,
    )
    try:
        with publishing_to(private_redis.url, queue):
            assert wait_for(lambda: "ready." in log.read_text(), timeout=30), log.read_text()[-3000:]
            private_redis.stop()
            started = time.monotonic()
            made = work_while_redis_is_down(client, Client(), agent, customer_user, token)
            outage_seconds = time.monotonic() - started
            # Readiness tells a load balancer what is missing; liveness stays up.
            ready = Client().get("/readyz")
            assert ready.status_code == 503, ready.content
            assert {"cache", "broker"} <= set(ready.json()["failing"]), ready.json()
            assert ready.json()["checks"]["database"] == "ok"
            assert Client().get("/healthz").status_code == 200

            # The work is recorded, waiting for a worker.
            reply_email = OutboundEmail.objects.get(state=OutboundEmail.State.QUEUED)
            assert "Attached again." in reply_email.body_text
            raw = RawEmail.objects.get()
            assert raw.state == RawEmail.State.RECEIVED
            assert not TicketFact.objects.exists()

            private_redis.start()
            assert wait_for(lambda: Client().get("/readyz").status_code == 200, timeout=30)
            # A minute later the sweeps find what no task announced (their grace minute has passed).
            a_minute_ago = timezone.now() - timedelta(minutes=2)
            OutboundEmail.objects.update(created_at=a_minute_ago)
            RawEmail.objects.update(received_at=a_minute_ago)
            beat_tick("mail.tasks.outbox_sweep", "tickets.tasks.inbound_email_sweep")
            assert wait_for(
                lambda: (
                    OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).exists()
                    and RawEmail.objects.filter(state=RawEmail.State.CREATED).exists()
                ),
                timeout=60,
            ), log.read_text()[-3000:]
            # The web publishes again by itself: the next reply's email goes out on its own nudge.
            response = client.post(
                reverse("tickets:compose", args=[made["emailed"].reference]),
                {"kind": "reply", "body": "Sent."},
            )
            assert response.status_code == 302
            assert wait_for(
                lambda: not OutboundEmail.objects.exclude(state=OutboundEmail.State.SENT).exists()
            ), log.read_text()[-3000:]
            beat_tick("kpis.tasks.kpis_catch_up_task")
            assert wait_for(lambda: TicketFact.objects.count() == 3, timeout=60), log.read_text()[-3000:]
    finally:
        stop_process(worker)

    assert outage_seconds < 20, f"the requests during the outage took {outage_seconds:.1f}s"
    assert "Connection to broker lost" in log.read_text()  # the worker lived through the outage
    sent = "".join(path.read_text() for path in mail_dir.iterdir())
    assert "Attached again." in sent and "Sent." in sent
    facts = TicketFact.objects.in_bulk([made["emailed"].pk, made["portal"].pk, raw.ticket_id])
    assert facts[made["emailed"].pk].first_reply_us is not None
    assert facts[made["portal"].pk].channel == Ticket.Channel.PORTAL


# ---- 3. PostgreSQL restarted under a running web server and worker -------------------------------

SETUP_SCRIPT = """
import django
django.setup()
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from api.services import api_token_create
from helpdesk.roles import AGENT
call_command("migrate", verbosity=0)
agent = User.objects.create_user("agent", "agent@helpdesk.test")
agent.groups.add(Group.objects.get_or_create(name=AGENT)[0])
print(api_token_create(name="faults", user=agent, scopes=["all"])[1])
"""


class Api:
    """The JSON API of a server in another process, with a token."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our loopback server
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, {"body": error.read()[:2000].decode(errors="replace")}
        except OSError as error:
            return 0, {"error": str(error)}

    def open_ticket(self, subject: str) -> int:
        status, body = self.call(
            "POST",
            "/api/v1/tickets/",
            {"subject": subject, "body": "Help.", "customer_email": "kim@example.com"},
        )
        assert status == 201, (status, body)
        return body["id"]


def fact_exists(cluster, ticket_id: int) -> bool:
    import psycopg2

    db = psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="helpdesk")
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT 1 FROM kpis_ticketfact WHERE ticket_id = %s", [ticket_id])
            return cursor.fetchone() is not None
    finally:
        db.close()


def start_web(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    """gunicorn with one sync worker: every request reuses the same persistent database connection."""
    with open(log_path, "a") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "helpdesk.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_web_and_worker_survive_a_postgresql_restart(private_postgres, private_redis, tmp_path):
    private_postgres.create_database("helpdesk")
    env = worker_env(
        database_url=private_postgres.url("helpdesk"),
        redis_url=private_redis.url,
        mail_dir=tmp_path,
        DJANGO_SETTINGS_MODULE="helpdesk.settings",
        CONN_MAX_AGE="600",
    )
    port, web_log, worker_log = free_port(), tmp_path / "web.log", tmp_path / "worker.log"
    # Both start while the database is migrated: neither touches it before a request or a task.
    web = start_web(env, port, web_log)
    worker = start_worker(env=env, queue="celery", log_path=worker_log)
    try:
        setup = subprocess.run(
            [sys.executable, "-c", SETUP_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert setup.returncode == 0, setup.stderr[-3000:]
        api = Api(f"http://127.0.0.1:{port}", setup.stdout.strip().splitlines()[-1])
        with publishing_to(private_redis.url, "celery"):
            assert wait_for(lambda: api.call("GET", "/api/v1/tickets/")[0] == 200, timeout=60), (
                web_log.read_text()[-3000:]
            )
            before = api.open_ticket("Before the restart")
            beat_tick("kpis.tasks.kpis_catch_up_task")
            assert wait_for(lambda: fact_exists(private_postgres, before), timeout=60), (
                worker_log.read_text()[-3000:]
            )

            private_postgres.restart()

            # The web server's persistent connection died with the server: it is checked and replaced.
            status, body = api.call("GET", "/api/v1/tickets/")
            assert status == 200, (status, body, web_log.read_text()[-3000:])
            after = api.open_ticket("After the restart")
            assert api.call("GET", "/readyz")[0] == 200
            beat_tick("kpis.tasks.kpis_catch_up_task")
            assert wait_for(lambda: fact_exists(private_postgres, after), timeout=60), worker_log.read_text()[
                -3000:
            ]
    finally:
        stop_process(web)
        stop_process(worker)


# ---- 4. the same delivery twice at the same moment -------------------------------------------------


def concurrently(count: int, call) -> list:
    """`call(i)` in `count` threads released at the same moment, each on its own database connection."""
    barrier, results, errors = threading.Barrier(count), [None] * count, []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call(i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture
def duplicates(transactional_db, private_redis, settings, tmp_path):
    """PostgreSQL (its locking is under test); tasks published go to a private Redis no worker reads."""
    require_postgres()
    settings.INBOUND_EMAIL_SECRET = INBOUND_SECRET
    settings.MEDIA_ROOT = tmp_path / "media"
    with publishing_to(private_redis.url, "celery"):
        yield


def token_client(user, scopes: list[str]) -> APIClient:
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_create(name='integration', user=user, scopes=scopes)[1]}"
    )
    return api


def test_same_email_delivered_twice_at_once_is_stored_and_processed_once(duplicates):
    raw = inbound_email(f"{uuid.uuid4().hex}@customer.example")
    responses = concurrently(
        4,
        lambda i: Client().post(
            "/inbound/email/",
            data=raw,
            content_type="message/rfc822",
            headers={"X-Inbound-Secret": INBOUND_SECRET},
        ),
    )
    assert [r.status_code for r in responses] == [202] * 4
    assert len({r.json()["id"] for r in responses}) == 1
    stored = RawEmail.objects.get()
    # The processing task delivered twice (the nudge and the sweep) runs once.
    states = concurrently(2, lambda i: inbound_email_process(stored.pk))
    assert sorted(states) == ["", RawEmail.State.CREATED]
    # A source that processes at once (IMAP, files) delivering the same message twice.
    other = inbound_email(f"{uuid.uuid4().hex}@customer.example", sender="max@customer.example")
    rows = concurrently(4, lambda i: email_receive(raw=other, source=RawEmail.Source.IMAP))
    assert len({row.pk for row in rows}) == 1
    assert Ticket.objects.count() == 2 and Message.objects.count() == 2


def test_same_chat_webhook_delivered_twice_at_once_stores_one_message(duplicates, agent):
    api = token_client(agent, ["tickets:write"])

    def deliver(key: str):
        payload = {
            "channel": "whatsapp",
            "conversation_id": "wa-4915100000001",
            "sender": {"id": "4915100000001", "name": "Dana Levi"},
            "text": f"Message {key}",
            "idempotency_key": key,
        }
        return lambda i: api.post("/inbound/messages/", payload, format="json")

    for key in ("first", "second"):  # a new conversation, then one that has its ticket already
        codes = sorted(response.status_code for response in concurrently(4, deliver(key)))
        assert codes.count(201) == 1 and set(codes) <= {200, 201, 409}, codes
        assert Message.objects.filter(external_message_id=f"whatsapp:{key}").count() == 1
    assert Ticket.objects.count() == 1 and ConversationLink.objects.count() == 1
    assert Message.objects.count() == 2


def test_same_api_post_with_idempotency_key_twice_at_once_creates_one_ticket(duplicates, agent):
    api = token_client(agent, ["all"])
    body = {"subject": "Refund", "body": "Please refund order 1042.", "customer_email": "kim@example.com"}
    responses = concurrently(
        4,
        lambda i: api.post(
            "/api/v1/tickets/", body, format="json", headers={"Idempotency-Key": "order-1042"}
        ),
    )
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) >= 1 and set(codes) <= {201, 409}, codes
    assert {r.json()["id"] for r in responses if r.status_code == 201} == {Ticket.objects.get().pk}
