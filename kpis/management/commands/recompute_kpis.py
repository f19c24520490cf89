import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from kpis.services import kpis_recompute, kpis_vacuum


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Recompute the KPI tables from the raw tickets and stage history (all, or a date range)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="date_from", help="First day (YYYY-MM-DD) of tickets to recompute."
        )
        parser.add_argument("--to", dest="date_to", help="Last day (YYYY-MM-DD), included.")

    def handle(self, *args, date_from: str | None, date_to: str | None, **options):
        start = _date(date_from) if date_from else None
        end = _date(date_to) if date_to else None
        if start and end and start > end:
            raise CommandError("--from must not be after --to.")
        began = time.monotonic()
        result = kpis_recompute(date_from=start, date_to=end)
        if start is None and end is None and not result.vacuumed:
            kpis_vacuum()
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {result.tickets} tickets and {result.customers} customers"
                f" in {time.monotonic() - began:.1f}s."
            )
        )
