"""Precompute the KPI tables once the demo history exists, so the dashboard opens current.

Large seeds (the benchmark's) leave it to `manage.py recompute_kpis`, which the benchmark times
on its own, so that seeding time measures seeding.
"""

from kpis.services import kpis_recompute

from . import Seeder

PRECOMPUTE_UP_TO = 50_000


def seed(seeder: Seeder) -> None:
    if seeder.tickets > PRECOMPUTE_UP_TO:
        seeder.log(f"KPI facts: not precomputed for {seeder.tickets:,} tickets; run manage.py recompute_kpis")
        return
    result = kpis_recompute()
    seeder.log(f"KPI facts for {result.tickets} tickets and {result.customers} customers")
