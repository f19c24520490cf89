"""Real services: a Celery worker process against Redis, sharing the test database."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import kombu.pools
import pytest
from django.db import connection

from helpdesk.celery import app as celery_app
from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]


def redis_available(url: str) -> tuple[bool, str]:
    if not url:
        return False, "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return False, f"cannot reach {url}: {exc}"
    return True, ""


def database_url_for_worker() -> str:
    """The URL of the test database this process uses, for a worker in another process."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    if connection.vendor == "sqlite" and s["NAME"] and "memory" not in str(s["NAME"]):
        return f"sqlite:///{s['NAME']}"
    return ""


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    ok, why = redis_available(url)
    require_service("Redis", ok, why)
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_env(*, database_url: str, redis_url: str, mail_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker process: this test's database, broker and mail directory."""
    return {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        # four slashes: an absolute path; a test may point the worker at its own SMTP server instead
        "EMAIL_URL": os.environ.get("TEST_WORKER_EMAIL_URL") or f"filemail:///{mail_dir}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        **extra,
    }


def start_worker(*, env: dict[str, str], queue: str, log_path: Path, pool: str = "solo") -> subprocess.Popen:
    """A `celery worker` on `queue` in a process group of its own, so a test can kill all of it."""
    with open(log_path, "a") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "helpdesk",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask `process` (and its group) to stop; kill it if it does not."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


def _drop_connections() -> None:
    # Celery caches its broker pools (in kombu's registry) and, per thread, its result backend on
    # first use; dropped, they are made again from the configuration now in force.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    if hasattr(celery_app._local, "backend"):
        del celery_app._local.backend


@contextlib.contextmanager
def publishing_to(redis_url: str, queue: str):
    """Tasks this process publishes go, not eager, to `queue` on `redis_url` (broker and results)."""
    conf = celery_app.conf
    names = ("task_always_eager", "task_default_queue", "broker_url", "result_backend")
    saved = {name: conf[name] for name in names}
    _drop_connections()
    conf.update(
        task_always_eager=False, task_default_queue=queue, broker_url=redis_url, result_backend=redis_url
    )
    try:
        yield
    finally:
        _drop_connections()
        conf.update(saved)


@pytest.fixture
def celery_worker_process(redis_url, transactional_db, tmp_path):
    """Start a real worker on a private queue; tasks this process publishes go to it."""
    db_url = database_url_for_worker()
    require_service("A database a second process can open", bool(db_url), "the test database is in memory")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = worker_env(database_url=db_url, redis_url=redis_url, mail_dir=mail_dir)
    log = tmp_path / "worker.log"
    process = start_worker(env=env, queue=queue, log_path=log)
    try:
        with publishing_to(redis_url, queue):
            yield {"queue": queue, "mail_dir": mail_dir, "log": log, "process": process}
    finally:
        stop_process(process)


class PrivateRedis:
    """A redis-server of the test's own on a free port, keeping nothing on disk: stopped, it loses
    every queued message, as a Redis that crashed would. (The shared Redis serves other tests.)"""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        with open(self.directory / "redis.log", "a") as log:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        assert wait_for(lambda: _pings(client), timeout=10, interval=0.05), "redis-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


def _pings(client) -> bool:
    import redis

    try:
        return client.ping()
    except redis.RedisError:
        return False


@pytest.fixture
def private_redis(tmp_path):
    require_service("redis-server", shutil.which("redis-server") is not None, "it is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def private_postgres_available() -> tuple[bool, str]:
    if _postgres_bin() is None:
        return False, "initdb is not installed"
    if os.geteuid() != 0:
        return True, ""  # initdb runs as this user
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False, "initdb refuses to run as root and there is no `postgres` user to run it as"
    if shutil.which("runuser") is None:
        return False, "initdb refuses to run as root and `runuser` is missing"
    return True, ""


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, in a temporary directory on a free port, with trust
    authentication and no fsync: it can be restarted without disturbing the shared server."""

    def __init__(self):
        self.bin = _postgres_bin()
        self.port = free_port()
        # Not under pytest's tmp_path: the `postgres` user cannot enter root's directories.
        self.directory = Path(tempfile.mkdtemp(prefix="helpdesk-faults-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stdout}{result.stderr}\n{tail}")
        return result

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start"
        )

    def restart(self) -> None:
        """Stop at once, as a crash would (recovery runs on start), and start again."""
        # -l again: without it the new server would write to (and hold open) pg_ctl's output.
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-m",
            "immediate",
            "-w",
            "-t",
            "60",
            "restart",
        )

    def create_database(self, name: str) -> None:
        import psycopg2

        admin = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        try:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            admin.close()

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres():
    available, why = private_postgres_available()
    require_service("A private PostgreSQL cluster", available, why)
    cluster = PrivatePostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
