"""Budgets from the issues, beside the measured figures."""

from __future__ import annotations

# (name, path or value key, field, limit, unit, the issue that set it)
BUDGETS = [
    ("seed_demo (budget at 1M tickets)", "seed_seconds", None, 180, "s", 2),
    ("queue page p95", "queue: my open", "p95_ms", 50, "ms", 3),
    ("queue filtered p95", "queue: filtered", "p95_ms", 50, "ms", 3),
    ("queue search p95", "queue: full-text search", "p95_ms", 50, "ms", 3),
    ("queue deep page p95", "queue: deep page", "p95_ms", 50, "ms", 3),
    ("ticket page p95", "ticket page", "p95_ms", 50, "ms", 3),
    ("KPI full recompute", "kpi_full_recompute_s", None, 60, "s", 5),
    ("KPI incremental, one ticket", "kpi_incremental_ms", None, 20, "ms", 5),
    ("dashboard p95 (30 days)", "dashboard 30 days", "p95_ms", 150, "ms", 5),
    ("dashboard p95 (90 days)", "dashboard 90 days", "p95_ms", 150, "ms", 5),
    ("dashboard p95 (filtered)", "dashboard 30 days filtered", "p95_ms", 150, "ms", 5),
    ("API ticket list p95", "api ticket list", "p95_ms", 30, "ms", 6),
    ("API ticket create p95", "api ticket create", "p95_ms", 40, "ms", 6),
    ("API bulk 1,000 lifecycle events p95", "api bulk lifecycle events (1,000)", "p95_ms", 1000, "ms", 6),
    ("lifecycle event + rules, DB time", "lifecycle_event_db_ms", None, 5, "ms", 4),
    ("churn rule, 200k customers", "churn_rule_s", None, 10, "s", 4),
    ("email ingestion (Maildir)", "email_ingest_per_s", None, -200, "msg/s", 7),
    ("help center home p95", "help center home", "p95_ms", 30, "ms", 8),
    ("help center category p95", "help center category", "p95_ms", 30, "ms", 8),
    ("help center article p95", "help center article", "p95_ms", 30, "ms", 8),
    ("help center search p95", "help center search", "p95_ms", 50, "ms", 8),
]


def budgets(results: list[dict], values: dict, tickets: int) -> list[dict]:
    by_path = {r["path"]: r for r in results}
    rows = []
    for name, key, field, limit, unit, issue in BUDGETS:
        value = by_path.get(key, {}).get(field) if field else values.get(key)
        if by_path.get(key, {}).get("errors"):
            value = None
        # A negative limit is a floor (a rate that must be reached), otherwise a ceiling.
        holds = None if value is None else (value >= -limit if limit < 0 else value <= limit)
        if key == "seed_seconds" and tickets != 1_000_000:
            holds = None  # that budget is for one million tickets
        rows.append(
            {
                "name": name,
                "limit": abs(limit),
                "value": value,
                "unit": unit,
                "holds": holds,
                "issue": issue,
                "kind": "at least" if limit < 0 else "at most",
            }
        )
    return rows


def print_table(document: dict) -> None:
    print(f"\nPaths ({document['tickets']:,} tickets)")
    columns = ("n", "p50 ms", "p95 ms", "p99 ms", "rps", "queries", "errors")
    print(f"{'path':40} " + " ".join(f"{c:>8}" for c in columns))
    for r in document["results"]:
        cells = (r["requests"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["rps"], r["queries"], r["errors"])
        print(f"{r['path']:40} " + " ".join(f"{_f(c):>8}" for c in cells))
    print("\nBudgets")
    print(f"{'budget':42} {'limit':>14} {'measured':>12}  holds")
    for b in document["budgets"]:
        limit = f"{'>=' if b['kind'] == 'at least' else '<='} {b['limit']} {b['unit']}"
        verdict = {True: "yes", False: "NO", None: "not measured"}[b["holds"]]
        print(f"{b['name']:42} {limit:>14} {_f(b['value']):>12}  {verdict}")


def _f(value) -> str:
    return "-" if value is None else (f"{value:,.2f}" if isinstance(value, float) else str(value))
