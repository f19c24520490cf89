"""Precompute the KPI tables once the demo history exists, so the dashboard opens current."""

from kpis.services import kpis_recompute

from . import Seeder


def seed(seeder: Seeder) -> None:
    result = kpis_recompute()
    seeder.log(f"KPI facts for {result.tickets} tickets and {result.customers} customers")
