"""Server time of the help-center pages, measured in-process (no network) with Django's test client.

    DATABASE_URL=postgres://.../helpdesk_kb_bench DEBUG=0 SECRET_KEY=... SECURE_SSL_REDIRECT=0 \
        .venv/bin/python scripts/bench_kb.py [--requests 300]

Seed the database first (`manage.py seed_demo --tickets 20000` gives 5,000 articles).
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from kb.models import Article, Category  # noqa: E402

QUERIES = ("password", "refund invoice", "parcel tracking", "dark mode", "api key", "webhook", "teleport",
           "delivery address", "two-step", "export", "פּאַראָל", "Anleitung")  # fmt: skip


def measure(client: Client, urls: list[str], headers: dict) -> tuple[list[float], list[float]]:
    """Wall time and this process's CPU time (Python: view, ORM, templates) per request, in ms."""
    timings, cpu = [], []
    for url in urls:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        if response.status_code not in (200, 302):
            raise SystemExit(f"{url}: {response.status_code}")
    return timings, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver"]
    # No collectstatic manifest here; the static URL is a dictionary lookup either way.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    rng = random.Random(1)  # noqa: S311 - sampling pages, not secrets  # nosec B311
    n = args.requests
    articles = list(Article.objects.public().values_list("pk", flat=True))
    categories = list(Category.objects.values_list("slug", flat=True))
    client = Client()
    pages = {
        "home": ["/help/"] * n,
        "category": [
            f"/help/categories/{rng.choice(categories)}/?page={rng.randint(1, 5)}" for _ in range(n)
        ],
        "article": [f"/help/articles/{rng.choice(articles)}/" for _ in range(n)],
        "search": [f"/help/search/?q={rng.choice(QUERIES)}" for _ in range(n)],
        "suggest": [f"/help/suggest/?q={rng.choice(QUERIES)}" for _ in range(n)],
    }
    print(
        f"{connection.vendor}, {len(articles)} public of {Article.objects.count()} articles,",
        f"{n} requests each",
    )
    for language in ("en", "yi"):
        for name, urls in pages.items():
            if name == "article":  # follow the redirect to the slug URL: time the page itself
                urls = [client.get(u, headers={"accept-language": language})["Location"] for u in urls]
            measure(client, urls[:20], {"accept-language": language})  # warm up
            timings, cpu = measure(client, urls, {"accept-language": language})
            print(
                f"{name:9} {language}: wall p50 {_p(timings, 0.5):6.1f} p95 {_p(timings, 0.95):6.1f} ms",
                f"| cpu p50 {_p(cpu, 0.5):5.1f} p95 {_p(cpu, 0.95):5.1f} ms",
            )
    print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()), f"on {os.cpu_count()} CPUs")


def _p(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * fraction) - 1)]


if __name__ == "__main__":
    main()
