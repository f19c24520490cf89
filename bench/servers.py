"""Start gunicorn and a Celery worker against the benchmark database, and stop them."""

import os
import secrets
import signal
import socket
import subprocess  # nosec B404  # the benchmark starts its own servers
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# 2 cores: the load generator and PostgreSQL need the rest of the machine.
GUNICORN_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "3"))
GUNICORN_WORKER_CLASS = os.environ.get("BENCH_WEB_WORKER_CLASS", "sync")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SERVER_TIMING": "1",
        "AXES_FAILURE_LIMIT": "100000",
        "API_RATE_LIMIT": "1000000/minute",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
    }


def _wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback server  # nosec B310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


@contextmanager
def running(env: dict[str, str], log_dir: Path):
    """gunicorn on 127.0.0.1 and a Celery worker; yields the web port."""
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)  # nosec B603  # our interpreter and manage.py, no shell
    web_log = open(log_dir / "gunicorn.log", "w")  # noqa: SIM115 - closed in finally
    worker_log = open(log_dir / "worker.log", "w")  # noqa: SIM115
    web = subprocess.Popen(  # nosec B603  # our own gunicorn, no shell
        [
            python,
            "-m",
            "gunicorn",
            "helpdesk.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(GUNICORN_WORKERS),
            # As in production (Dockerfile, docker-compose.yml): sync workers, one request per
            # process. Two threads in one process took turns on its interpreter lock, which
            # added its switch interval to a request's server time whenever two shared a worker.
            "--worker-class",
            GUNICORN_WORKER_CLASS,
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=web_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(  # nosec B603  # our own celery worker, no shell
        [
            python,
            "-m",
            "celery",
            "-A",
            "helpdesk",
            "worker",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz")
        yield port
    finally:
        for process in (web, worker):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        web_log.close()
        worker_log.close()
