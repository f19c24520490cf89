"""Run the benchmark: `make bench` (or `python -m bench`). See BENCHMARKS.md.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL. Seeds a dedicated database once
(BENCH_TICKETS, default one million) and reuses it; BENCH_PATHS=word,word measures only the
paths whose names contain one of the words; starts gunicorn and a Celery worker on
127.0.0.1; drives every path with a bounded load; prints each figure beside its budget and
writes var/bench/results.json.

Other knobs: BENCH_REQUESTS and BENCH_SECONDS bound each path; BENCH_CONCURRENCY (4) is the
number of clients at once (1 measures the server's own time, without waiting for a core);
BENCH_SKIP_RECOMPUTE=1 skips the KPI full recompute; BENCH_EMAILS and BENCH_INGEST_WORKERS size
the email ingestion; BENCH_WEB_WORKERS sets gunicorn's workers (3) and BENCH_WEB_WORKER_CLASS their
class (sync, as in production); BENCH_OUT moves the output (and
the record of the seeded database: a new BENCH_OUT seeds again).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess  # nosec B404  # the benchmark runs manage.py and reads the machine
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BENCH_OUT", ROOT / "var" / "bench"))


def _settings_from_env() -> dict:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url:
        print(
            "make bench needs PostgreSQL and Redis: set DATABASE_URL=postgres://... and REDIS_URL=redis://..."
        )
        sys.exit(2)
    return {
        "database_url": database_url,
        "redis_url": redis_url,
        "tickets": int(os.environ.get("BENCH_TICKETS", "1000000")),
        "requests": int(os.environ.get("BENCH_REQUESTS", "300")),
        "concurrency": int(os.environ.get("BENCH_CONCURRENCY", "4")),
        "seconds": float(os.environ.get("BENCH_SECONDS", "30")),
        # A quick look at some paths (e.g. "help center"): the other measures are skipped.
        "only": os.environ.get("BENCH_PATHS", ""),
    }


def _versions() -> dict:
    import django
    import psycopg2

    from bench.measures import postgres_version, redis_version

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "psycopg2": psycopg2.__version__.split()[0],
        "postgresql": postgres_version(),
        "redis": redis_version(),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()} {platform.release()}",
    }


def main() -> int:
    config = _settings_from_env()
    from bench.database import bench_url, ensure_seeded
    from bench.servers import running, server_env

    url = bench_url(config["database_url"], config["tickets"])
    env = server_env(url, config["redis_url"])
    print(f"Benchmark on {url.rsplit('@', 1)[-1]} with {config['tickets']:,} tickets")
    # One record per benchmark database, so that runs at 100,000 and at 1,000,000 tickets can
    # alternate without reseeding. It lives in BENCH_OUT: a new BENCH_OUT seeds afresh.
    state_file = OUT / f"seed-state-{url.rsplit('/', 1)[-1]}.json"
    seeding = ensure_seeded(url, config["tickets"], env, state_file)

    # This process reads the benchmark database too (to pick ids and run the non-HTTP measures).
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from bench import measures, paths, report

    fixtures = paths.fixtures()
    started = time.monotonic()
    # The KPI tables first (timed): the dashboard paths read them.
    extra = measures.run_all(env, fixtures) if not config["only"] else {"results": [], "values": {}}
    with running(env, OUT / "logs") as port:
        results = paths.run_all(port, fixtures, config)
    results += extra["results"]
    values = {"seed_seconds": seeding.get("seed_seconds"), **extra["values"]}
    if not config["only"]:  # last: these add rows to the benchmark database
        values.update(measures.run_last(env))
    document = {
        "tickets": config["tickets"],
        "versions": _versions(),
        "config": {k: v for k, v in config.items() if k not in ("database_url", "redis_url")},
        "results": results,
        "budgets": report.budgets(results, values, config["tickets"]),
        "values": values,
        "seconds": round(time.monotonic() - started, 1),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(document, indent=2))
    (OUT / f"results-{config['tickets']}.json").write_text(json.dumps(document, indent=2))
    report.print_table(document)
    print(f"\nWritten to {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        print(f"Command failed: {' '.join(exc.cmd)}\n{exc.stdout or ''}\n{exc.stderr or ''}")
        sys.exit(1)
