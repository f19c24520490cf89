import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from helpdesk.seeding import Seeder, seed_steps
from helpdesk.seeding import accounts as seed_accounts
from helpdesk.seeding import kb as seed_kb
from helpdesk.seeding import kpis as seed_kpis
from helpdesk.seeding import lifecycle as seed_lifecycle
from helpdesk.seeding import tickets as seed_tickets
from lifecycle.models import Customer

# One step per app, in dependency order; each later capability adds its own.
STEPS = [seed_accounts, seed_lifecycle, seed_tickets, seed_kb, seed_kpis]


class Command(BaseCommand):
    help = "Load realistic, reproducible demo data (idempotent: a second run adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=2000)
        parser.add_argument("--customers", type=int, default=None, help="Default: tickets / 5.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--workers",
            type=int,
            # One more than the cores (up to 4): while a process waits for the database, another
            # one makes rows.
            default=min(4, (os.cpu_count() or 1) + 1),
            help="Processes that write the customers and the ticket history at once on PostgreSQL "
            "(same data for any number).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed with DEBUG off (benchmark databases only: it makes users with known passwords).",
        )

    def handle(
        self,
        *args,
        tickets: int,
        customers: int | None,
        seed: int,
        allow_production: bool,
        workers: int,
        **opts,
    ):
        if not settings.DEBUG and not allow_production:
            raise CommandError("Refusing to load demo users in production mode (DEBUG is off).")
        if tickets < 0 or (customers is not None and customers < 1) or workers < 1:
            raise CommandError("--tickets must be 0 or more, --customers and --workers 1 or more.")
        if Customer.objects.exists():
            self.stdout.write("Demo data is already loaded; nothing added.")
            return
        seeder = Seeder(
            tickets=tickets,
            customers=customers or max(1, tickets // 5),
            seed=seed,
            workers=workers,
            log=lambda line: self.stdout.write(f"  {line}"),
        )
        started = time.monotonic()
        seed_steps(seeder, STEPS)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f}s."))
