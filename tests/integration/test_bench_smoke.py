"""A small run of `make bench` so that it cannot rot: a few hundred tickets, a few requests a path."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.integration.conftest import redis_available

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("services")]


def test_bench_smoke_run_measures_every_path(tmp_path):
    database_url = os.environ.get("DATABASE_URL", "")
    require_service("PostgreSQL", database_url.startswith("postgres"), "DATABASE_URL does not name one")
    ok, why = redis_available(os.environ.get("REDIS_URL", ""))
    require_service("Redis", ok, why)
    env = {
        **os.environ,
        "BENCH_TICKETS": "300",
        "BENCH_REQUESTS": "6",
        "BENCH_SECONDS": "10",
        "BENCH_CONCURRENCY": "2",
        "BENCH_OUT": str(tmp_path),
        "BENCH_WEB_WORKERS": "2",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["tickets"] == 300
    assert set(document["versions"]) >= {"python", "django", "postgresql", "redis"}
    assert {b["name"] for b in document["budgets"]} and all(
        set(b) >= {"name", "limit", "value", "unit", "holds"} for b in document["budgets"]
    )
    by_path = {r["path"]: r for r in document["results"]}
    assert len(by_path) >= 19
    assert {"help center category", "help center article"} <= set(by_path)
    for path, row in by_path.items():
        assert row["errors"] == 0, (path, row)
        assert row["p95_ms"] is not None and row["queries"] is not None and row["rps"] > 0
    assert "Budgets" in result.stdout
