"""The Redis cache behaves as an empty cache while Redis cannot be reached (helpdesk/cache.py)."""

import socket
import time

import pytest
from redis.exceptions import ResponseError

from helpdesk import cache as fail_soft
from helpdesk.cache import FailSoftRedisCache


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unreachable():
    fail_soft.outages._until.clear()
    options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    cache = FailSoftRedisCache(f"redis://127.0.0.1:{closed_port()}/0", {"OPTIONS": options})
    yield cache
    fail_soft.outages._until.clear()


def test_unreachable_redis_reads_as_an_empty_cache(unreachable):
    assert unreachable.get("k", "default") == "default"
    unreachable.set("k", "v")
    assert unreachable.add("k", "v") is False
    assert unreachable.get_many(["k", "j"]) == {}
    assert unreachable.has_key("k") is False
    assert unreachable.delete("k") is False
    assert unreachable.get_or_set("k", "computed") == "computed"
    unreachable.set_many({"a": 1})
    unreachable.delete_many(["a"])
    with pytest.raises(ValueError):
        unreachable.incr("counter")


def test_unreachable_redis_is_not_asked_again_for_a_while(unreachable, monkeypatch):
    unreachable.get("k")
    calls = []
    monkeypatch.setattr(unreachable._cache, "get_client", lambda *a, **k: calls.append(1))
    started = time.monotonic()
    for _ in range(100):
        assert unreachable.get("k") is None
    assert calls == []
    assert time.monotonic() - started < 0.5


def test_unreachable_redis_is_asked_again_after_the_pause(unreachable, monkeypatch):
    unreachable.get("k")
    fail_soft.outages._until[unreachable._cache._location] = 0.0
    calls = []
    original = unreachable._cache.get_client

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(unreachable._cache, "get_client", counting)
    assert unreachable.get("k", "d") == "d"
    assert calls == [1]


def test_errors_other_than_reaching_redis_still_raise(unreachable, monkeypatch):
    class Broken:
        def get(self, key):
            raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    monkeypatch.setattr(unreachable._cache, "get_client", lambda *a, **k: Broken())
    with pytest.raises(ResponseError):
        unreachable.get("k")
