"""Real services: a Celery worker process against Redis, sharing the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from helpdesk.celery import app as celery_app
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]


def redis_available(url: str) -> tuple[bool, str]:
    if not url:
        return False, "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return False, f"cannot reach {url}: {exc}"
    return True, ""


def database_url_for_worker() -> str:
    """The URL of the test database this process uses, for a worker in another process."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    if connection.vendor == "sqlite" and s["NAME"] and "memory" not in str(s["NAME"]):
        return f"sqlite:///{s['NAME']}"
    return ""


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    ok, why = redis_available(url)
    require_service("Redis", ok, why)
    return url


@pytest.fixture
def celery_worker_process(redis_url, transactional_db, tmp_path):
    """Start a real worker on a private queue; tasks this process publishes go to it."""
    db_url = database_url_for_worker()
    require_service("A database a second process can open", bool(db_url), "the test database is in memory")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        # four slashes: an absolute path; a test may point the worker at its own SMTP server instead
        "EMAIL_URL": os.environ.get("TEST_WORKER_EMAIL_URL") or f"filemail:///{mail_dir}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    old = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    celery_app.conf.broker_url = redis_url
    try:
        yield {"queue": queue, "mail_dir": mail_dir, "log": tmp_path / "worker.log", "process": process}
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = old
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()
