"""The dedicated benchmark database: seeded once, reused while it matches."""

import json
import subprocess  # nosec B404  # the benchmark runs manage.py
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent


def bench_url(database_url: str, tickets: int) -> str:
    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/') or 'helpdesk'}_bench_{tickets}"
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_connection(url: str):
    parts = urlsplit(url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "postgres",
        password=parts.password,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    return connection


def _exists(url: str) -> bool:
    name = urlsplit(url).path.lstrip("/")
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        connection.close()


def _recreate(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    connection = _admin_connection(url)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # nosec B603  # our interpreter and manage.py, no shell
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )


def ensure_seeded(url: str, tickets: int, env: dict, state_file: Path) -> dict:
    """Seed `url` with `tickets` unless a previous run already did; returns the seeding record."""
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    key = f"{url}|{tickets}"
    if _exists(url) and state.get("key") == key:
        _manage(env, "migrate", "--noinput")
        print(f"  reusing the seeded benchmark database ({tickets:,} tickets)")
        return state
    print(f"  creating and seeding the benchmark database with {tickets:,} tickets ...", flush=True)
    _recreate(url)
    _manage(env, "migrate", "--noinput")
    started = time.monotonic()
    seed = _manage(env, "seed_demo", "--tickets", str(tickets), "--allow-production")
    state = {
        "key": key,
        "tickets": tickets,
        "seed_seconds": round(time.monotonic() - started, 1),
        "seed_output": seed.stdout[-2000:],
    }
    _analyze(url)
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(state, indent=2))
    return state


def _analyze(url: str) -> None:
    parts = urlsplit(url)
    connection = psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        user=parts.username or "postgres",
        password=parts.password,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.close()
