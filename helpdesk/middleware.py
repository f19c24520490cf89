"""Wiring-level middleware."""

import logging
import time

from django.db import connections
from django.http import HttpResponseBadRequest, JsonResponse

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


class RejectNullCharactersMiddleware:
    """Answers 400 when the URL's path or query string holds a NUL character (%00).

    No URL of ours takes one, and PostgreSQL refuses NUL in text: without this check a search
    for "%00" reaches the database and fails as a server error. Form and JSON bodies are checked
    by their fields (Django's and DRF's CharField refuse NUL). API clients get the API's error body.
    """

    MESSAGE = "Null characters are not allowed in the address (%00)."
    API_PREFIXES = ("/api/", "/inbound/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        names = [name for name, values in request.GET.lists() if "\x00" in name + "".join(values)]
        if "\x00" in request.path_info:
            names.insert(0, "path")
        if not names:
            return self.get_response(request)
        if request.path_info.startswith(self.API_PREFIXES):
            errors = {name.replace("\x00", ""): ["Null characters are not allowed."] for name in names}
            return JsonResponse(
                {"code": "null_character", "message": self.MESSAGE, "errors": errors}, status=400
            )
        return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
