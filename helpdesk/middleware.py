"""Wiring-level middleware."""

import logging
import time

from django.db import connections

logger = logging.getLogger(__name__)


class ServerTimingMiddleware:
    """Adds `Server-Timing: app;dur=<ms>, db;dur=<ms>, queries;desc="<n>"` to every response.

    Only installed when SERVER_TIMING is on (the benchmark sets it): it tells the load
    generator the server's own time and query count, and would tell attackers too much.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stats = {"queries": 0, "db": 0.0}

        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                stats["queries"] += 1
                stats["db"] += time.perf_counter() - started

        started = time.perf_counter()
        with connections["default"].execute_wrapper(wrapper):
            response = self.get_response(request)
        total = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (
            f'app;dur={total:.2f}, db;dur={stats["db"] * 1000:.2f}, queries;desc="{stats["queries"]}"'
        )
        return response


class EagerSweepMiddleware:
    """In the embedded mode (tasks run eagerly, no worker and no beat), run the periodic sweeps
    that follow event logs (webhook fan-out and delivery) after each successful write request,
    so that a single `make run` process still delivers. With a worker and beat it does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in ("GET", "HEAD", "OPTIONS") or response.status_code >= 400:
            return response
        from django.conf import settings
        from django.utils.module_loading import import_string

        from .celery import app

        if not app.conf.task_always_eager:
            return response
        for path in settings.EAGER_SWEEPS:
            try:
                import_string(path)()
            except Exception:  # a sweep failing must not fail the request that already succeeded
                logger.exception("Eager sweep %s failed; the next write request retries it.", path)
        return response
