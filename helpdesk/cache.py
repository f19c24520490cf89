"""The Redis cache, failing soft: with Redis down the site works on as if the cache were empty.

Nothing the helpdesk keeps in the cache has to survive (who has a ticket open, rate-limit
counters, API throttling), so when Redis cannot be reached a read misses, a write is dropped and
a counter starts again: rate limits fail open for the length of the outage rather than every
page failing. After a failure Redis is left alone for RETRY_AFTER seconds, so that a Redis that
hangs costs one socket timeout per process, not one per cache call. Errors that are not about
reaching Redis (a wrong type, a bad command) still raise.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class _Outages:
    """Until when each Redis location is considered down; shared by every thread's cache client."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_down(self, location: str) -> bool:
        return time.monotonic() < self._until.get(location, 0.0)

    def failed(self, location: str, exc: Exception) -> None:
        with self._lock:
            first = location not in self._until
            self._until[location] = time.monotonic() + RETRY_AFTER
        if first:
            logger.warning("The Redis cache is unreachable (%s); working without it.", exc)

    def succeeded(self, location: str) -> None:
        if location in self._until:
            with self._lock:
                if self._until.pop(location, None) is not None:
                    logger.warning("The Redis cache is reachable again.")


outages = _Outages()


def _missing(*args):
    raise ValueError("Key not found: the Redis cache is unreachable.")


class FailSoftRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._location = ",".join(servers)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        # Django builds a redis.Redis (and its table of ~170 reply callbacks) on every call; one
        # per connection pool serves every call (a client is safe to share between threads).
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def _soft(self, call, fallback, *args):
        if outages.is_down(self._location):
            return fallback(*args)
        try:
            result = call(*args)
        except UNREACHABLE as exc:
            outages.failed(self._location, exc)
            return fallback(*args)
        outages.succeeded(self._location)
        return result

    def add(self, key, value, timeout):
        return self._soft(super().add, lambda *a: False, key, value, timeout)

    def get(self, key, default):
        return self._soft(super().get, lambda key, default: default, key, default)

    def set(self, key, value, timeout):
        return self._soft(super().set, lambda *a: None, key, value, timeout)

    def touch(self, key, timeout):
        return self._soft(super().touch, lambda *a: False, key, timeout)

    def delete(self, key):
        return self._soft(super().delete, lambda *a: False, key)

    def get_many(self, keys):
        return self._soft(super().get_many, lambda *a: {}, keys)

    def has_key(self, key):
        return self._soft(super().has_key, lambda *a: False, key)

    def incr(self, key, delta):
        return self._soft(super().incr, _missing, key, delta)

    def set_many(self, data, timeout):
        return self._soft(super().set_many, lambda *a: None, data, timeout)

    def delete_many(self, keys):
        return self._soft(super().delete_many, lambda *a: 0, keys)

    def clear(self):
        return self._soft(super().clear, lambda *a: False)


class FailSoftRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache that treats an unreachable Redis as an empty cache."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailSoftRedisCacheClient
