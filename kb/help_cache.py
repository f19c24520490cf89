"""Parts of the public help center that only change when articles do, kept in each process.

The home page's categories and popular articles, and a category's pages, cost several queries
over every article to build, yet change only when an article, section or category is written
or popularity is refreshed. Each process keeps what it built under the help center's current
version, a random token in the shared cache; `help_center_changed()` replaces the token once
the writing transaction commits, so every process rebuilds on its next request. With the
shared cache unreachable nothing is kept: parts are built on every request, never served stale.
The token also expires after VERSION_SECONDS, which bounds the life of a change whose
invalidation was lost (the shared cache failing at that very moment).
"""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "kb:help-center-version"
VERSION_SECONDS = 3600
MAX_PARTS = 1000  # per process; past it everything is dropped and rebuilt as asked for

T = TypeVar("T")
_parts: dict[str, tuple[str, object]] = {}


def help_center_changed() -> None:
    """Forget every kept part in every process, once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, VERSION_SECONDS))


def kept(key: str, build: Callable[[], T]) -> T:
    """What `build()` returns, built at most once per process and help-center version."""
    version = _version()
    if version is None:
        return build()
    found = _parts.get(key)
    if found is not None and found[0] == version:
        return found[1]  # type: ignore[return-value]
    value = build()
    if len(_parts) >= MAX_PARTS:
        _parts.clear()
    _parts[key] = (version, value)
    return value


def _version() -> str | None:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, VERSION_SECONDS)
        version = cache.get(VERSION_KEY)
    return version
