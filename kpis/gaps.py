"""A cursor's gaps: ids below its position that did not exist when it passed them, kept as runs.

A transaction that took an id may still commit, so a gap is looked at again on every catch-up
until it expires. Gaps come in runs: one rolled-back bulk insert leaves thousands of consecutive
ids behind. Stored one key per id, the 5,000 ids kept at most meant an `IN` of 5,000 values and a
230 KB JSON rewrite on every catch-up (some 30 ms of a one-ticket update); stored as runs
("lo-hi": when first seen, or "id": ... for a single one, which older rows already hold), they are a
handful of ranges.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Q

Run = tuple[int, int, str]  # first id, last id (inclusive), ISO time first seen


def load(stored: dict | None) -> list[Run]:
    runs: list[Run] = []
    for key, stamp in (stored or {}).items():
        lo, _, hi = str(key).partition("-")
        runs.append((int(lo), int(hi or lo), stamp))
    merged: list[Run] = []
    for lo, hi, stamp in sorted(runs):  # neighbours seen at the same time are one run
        if merged and merged[-1][1] == lo - 1 and merged[-1][2] == stamp:
            merged[-1] = (merged[-1][0], hi, stamp)
        else:
            merged.append((lo, hi, stamp))
    return merged


def dump(runs: Iterable[Run]) -> dict[str, str]:
    return {(f"{lo}-{hi}" if hi > lo else str(lo)): stamp for lo, hi, stamp in sorted(runs)}


def from_ids(ids: Iterable[int], stamp: str) -> list[Run]:
    """Runs of consecutive ids (given in ascending order)."""
    runs: list[Run] = []
    for pk in ids:
        if runs and runs[-1][1] == pk - 1:
            runs[-1] = (runs[-1][0], pk, stamp)
        else:
            runs.append((pk, pk, stamp))
    return runs


def remove(runs: list[Run], found: Iterable[int]) -> list[Run]:
    """The runs without the ids that now exist (a run is split around them)."""
    marks = sorted(set(found))
    if not marks:
        return runs
    out: list[Run] = []
    for lo, hi, stamp in runs:
        start = lo
        for pk in marks[bisect_left(marks, lo) : bisect_right(marks, hi)]:
            if pk > start:
                out.append((start, pk - 1, stamp))
            start = pk + 1
        if start <= hi:
            out.append((start, hi, stamp))
    return out


def condition(runs: list[Run]) -> Q:
    """The rows whose id is in one of the runs."""
    singles = [lo for lo, hi, _ in runs if lo == hi]
    found = Q(pk__in=singles) if singles else Q(pk__in=[])
    for lo, hi, _ in runs:
        if hi > lo:
            found |= Q(pk__range=(lo, hi))
    return found


def keep(runs: list[Run], *, cutoff: datetime | None, limit: int) -> list[Run]:
    """The runs first seen after `cutoff`, cut to the `limit` highest ids."""
    live = [run for run in runs if cutoff is None or datetime.fromisoformat(run[2]) > cutoff]
    out: list[Run] = []
    left = limit
    for lo, hi, stamp in sorted(live, key=lambda run: run[1], reverse=True):
        if left <= 0:
            break
        lo = max(lo, hi - left + 1)
        out.append((lo, hi, stamp))
        left -= hi - lo + 1
    return sorted(out)


def size(runs: Iterable[Run]) -> int:
    return sum(hi - lo + 1 for lo, hi, _ in runs)
