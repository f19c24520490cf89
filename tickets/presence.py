"""Who else has a ticket open right now, kept in the Django cache (no model, no state in the process).

Each open ticket page posts a heartbeat every ~10 s; an entry lives for PRESENCE_TTL seconds after
its last heartbeat, so a closed tab disappears on its own. Entries are per (ticket, user) keys
plus a small index of user ids per ticket, so two agents writing at once cannot lose each other
for longer than one heartbeat.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

PRESENCE_TTL = 30
VIEWING = "viewing"
REPLYING = "replying"
STATES = (VIEWING, REPLYING)


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    state: str
    seen_at: float


def _index_key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def _entry_key(ticket_id: int, user_id: int) -> str:
    return f"presence:ticket:{ticket_id}:user:{user_id}"


def presence_touch(*, ticket_id: int, user, state: str = VIEWING) -> None:
    """Record that `user` has the ticket open (viewing, or writing a reply)."""
    _touch(ticket_id, user, state, cache.get(_index_key(ticket_id)) or ())


def presence_heartbeat(*, ticket_id: int, user, state: str = VIEWING) -> list[Presence]:
    """presence_touch() then presence_others(), reading the ticket's index once (a page view's
    two or three cache round trips instead of four or five)."""
    ids = cache.get(_index_key(ticket_id)) or ()
    others = _others(ticket_id, user, ids)
    _touch(ticket_id, user, state, ids)
    return others


def _touch(ticket_id: int, user, state: str, ids) -> None:
    state = state if state in STATES else VIEWING
    name = user.get_full_name() or user.get_username()
    cache.set(
        _entry_key(ticket_id, user.pk),
        {"name": name, "state": state, "at": time.time()},
        PRESENCE_TTL,
    )
    if user.pk not in ids:
        cache.set(_index_key(ticket_id), sorted({*ids, user.pk}), PRESENCE_TTL * 4)


def presence_leave(*, ticket_id: int, user) -> None:
    cache.delete(_entry_key(ticket_id, user.pk))


def presence_others(*, ticket_id: int, user) -> list[Presence]:
    """The other agents with the ticket open, those replying first."""
    return _others(ticket_id, user, cache.get(_index_key(ticket_id)) or ())


def _others(ticket_id: int, user, ids) -> list[Presence]:
    ids = [pk for pk in ids if pk != user.pk]
    if not ids:
        return []
    entries = cache.get_many([_entry_key(ticket_id, pk) for pk in ids])
    now = time.time()
    others = [
        Presence(user_id=pk, name=entry["name"], state=entry["state"], seen_at=entry["at"])
        for pk in ids
        if (entry := entries.get(_entry_key(ticket_id, pk))) and now - entry["at"] <= PRESENCE_TTL
    ]
    return sorted(others, key=lambda p: (p.state != REPLYING, p.name))
