"""A small load generator on loopback: bounded in requests and time, reading Server-Timing."""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

TIMING = re.compile(r"app;dur=([\d.]+).*?queries;desc=\"(\d+)\"")


class Session:
    """One client's cookies and CSRF token over a keep-alive connection."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.headers: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        all_headers = {"Host": f"{self.host}:{self.port}", **self.headers, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method != "GET" and "csrftoken" in self.cookies:
            all_headers.setdefault("X-CSRFToken", self.cookies["csrftoken"])
            all_headers.setdefault("Referer", f"http://{self.host}:{self.port}/")
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response, data

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, data: dict):
        return self.request(
            "POST",
            path,
            urlencode(data, doseq=True).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_json(self, path: str, body: bytes, headers: dict | None = None):
        return self.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        response, _ = self.post_form(
            "/accounts/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            },
        )
        if response.status != 302:
            raise RuntimeError(f"login as {username} failed with HTTP {response.status}")


@dataclass
class Sample:
    server_ms: float
    client_ms: float
    queries: int
    status: int


@dataclass
class Result:
    path: str
    samples: list[Sample] = field(default_factory=list)
    wall_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def _quantile(self, values: list[float], q: float) -> float | None:
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

    def summary(self) -> dict:
        server = sorted(s.server_ms for s in self.samples)
        queries = [s.queries for s in self.samples]
        return {
            "path": self.path,
            "requests": len(self.samples),
            "p50_ms": _round(self._quantile(server, 50)),
            "p95_ms": _round(self._quantile(server, 95)),
            "p99_ms": _round(self._quantile(server, 99)),
            "client_p95_ms": _round(self._quantile(sorted(s.client_ms for s in self.samples), 95)),
            "rps": _round(len(self.samples) / self.wall_seconds if self.wall_seconds else None),
            "queries": max(queries) if queries else None,
            "errors": len(self.errors),
            "error_examples": self.errors[:3],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def run(
    name: str,
    make_session: Callable[[], Session],
    call: Callable[[Session, int], tuple],
    *,
    requests: int,
    concurrency: int,
    seconds: float,
    warmup: int = 3,
    ok: tuple[int, ...] = (200,),
) -> Result:
    """Send `requests` calls with `concurrency` threads, stopping early after `seconds`."""
    result = Result(name)
    sessions = [make_session() for _ in range(concurrency)]
    try:
        for i in range(warmup):
            call(sessions[0], -1 - i)
    except Exception as exc:  # the path cannot run at all (e.g. nothing to pick): say so, go on
        result.errors.append(f"warm-up failed: {type(exc).__name__}: {exc}")
        return result
    counter = iter(range(requests))
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(session: Session) -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            started = time.perf_counter()
            try:
                response, body = call(session, index)
            except Exception as exc:  # a benchmark records failures, it does not stop on them
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            client_ms = (time.perf_counter() - started) * 1000
            match = TIMING.search(response.headers.get("Server-Timing", ""))
            with lock:
                if response.status not in ok:
                    result.errors.append(f"HTTP {response.status}: {body[:200]!r}")
                elif match:
                    result.samples.append(Sample(float(match[1]), client_ms, int(match[2]), response.status))

    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_seconds = time.monotonic() - started
    return result
