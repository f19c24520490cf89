"""Measurements that are not one HTTP request: recomputes, ingestion, periodic rules."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from django.core.management import get_commands
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def postgres_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def redis_version() -> str:
    import os

    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"]).info().get("redis_version", "?")


def _timed_command(env: dict, *args: str) -> float | None:
    if args[0] not in get_commands():
        return None
    started = time.monotonic()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return round(time.monotonic() - started, 2)


def run_all(env: dict, fixtures: dict) -> dict:
    values: dict[str, float | None] = {}
    print("  KPI full recompute ...", flush=True)
    values["kpi_full_recompute_s"] = _timed_command(env, "recompute_kpis")
    return {"results": [], "values": values}
