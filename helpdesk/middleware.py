"""Wiring-level middleware."""

import time

from django.db import connections


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
