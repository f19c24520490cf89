"""Time the agent workspace's pages in-process: p50/p95 server time and SQL queries per page.

    manage.py workspace_bench --requests 200 [--user agent]

Requests go through Django's test Client (no network), signed in as an existing workspace
user, over a spread of queue views, sorts, deep cursors and ticket pages.
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tickets.models import Ticket
from tickets.selectors import ticket_queue, tickets_visible_to

QUEUE_URLS = [
    "/tickets/?view=open",
    "/tickets/?view=all",
    "/tickets/?view=unassigned",
    "/tickets/?view=teams",
    "/tickets/?view=mine",
    "/tickets/?view=sla",
    "/tickets/?view=solved",
    "/tickets/?view=open&sort=created",
    "/tickets/?view=open&sort=priority",
    "/tickets/?view=open&sort=due",
    "/tickets/?view=open&priority=urgent",
    "/tickets/?view=open&channel=chat&size=50",
]


class Command(BaseCommand):
    help = "Measure the queue and ticket pages: p50/p95 server time and queries per page."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200, help="Requests per page kind.")
        parser.add_argument("--user", default="agent")

    def handle(self, *args, requests: int, user: str, **options):
        agent = get_user_model().objects.filter(username=user).first()
        if agent is None:
            raise CommandError(f"No user {user!r}; load demo data first (seed_demo).")
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(agent)
        self.stdout.write(f"{Ticket.objects.count()} tickets; signed in as {user}.")
        queue = [QUEUE_URLS[i % len(QUEUE_URLS)] for i in range(requests)]
        queue += self._deep_pages(agent)
        self._report("queue", client, queue)
        ids = self._visible_sample(agent, requests)
        self._report("ticket", client, [f"/tickets/{Ticket(pk=pk).reference}/" for pk in ids])

    def _visible_sample(self, agent, size: int) -> list[int]:
        """Tickets the user may open, spread over the whole id range (no ORDER BY random())."""
        visible = tickets_visible_to(user=agent)
        top = visible.order_by("-pk").values_list("pk", flat=True).first() or 0
        ids = []
        for i in range(size):
            pk = visible.filter(pk__gte=top * i // size).order_by("pk").values_list("pk", flat=True).first()
            if pk is not None:
                ids.append(pk)
        return ids or [0]

    def _deep_pages(self, agent) -> list[str]:
        """Cursors up to ten pages deep into "all", so far-away pages are timed too."""
        urls, params = [], QueryDict("view=all&size=50", mutable=True)
        for _ in range(10):
            page = ticket_queue(user=agent, params=params).page
            if not page.next_cursor:
                break
            params["after"] = page.next_cursor
            urls.append(f"/tickets/?{params.urlencode()}")
        return urls

    def _report(self, name: str, client, urls: list[str]) -> None:
        client.get(urls[0])  # warm up connections and caches
        times, queries, statuses = [], [], set()
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured))
            statuses.add(response.status_code)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20, method="inclusive")[18] if len(times) > 1 else times[0]
        self.stdout.write(
            f"{name}: {len(times)} requests, p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms, "
            f"queries {min(queries)}-{max(queries)}, statuses {sorted(statuses)}"
        )
