"""Keyset ("seek") pagination: stable and fast at any depth, with no OFFSET.

A page is the `size` rows that follow (or precede) a cursor in a total order whose last key is
unique (the primary key). The cursor holds the sort values of the row at the page's edge, so a
row inserted or moved while someone pages neither repeats nor shifts the rows they have not
seen yet. Nullable keys sort their nulls last in the forward direction.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce


class InvalidCursor(ValueError):
    """The cursor in the query string was not one we made."""


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False
    nullable: bool = False
    is_datetime: bool = False

    def order_by(self, *, reverse: bool, fenced: bool = False):
        descending = self.descending != reverse
        # COALESCE(x, x) orders exactly as x does, but no index matches it (see keyset_page).
        target = Coalesce(F(self.field), F(self.field)) if fenced else F(self.field)
        expression = target.desc() if descending else target.asc()
        if self.nullable:
            # Forward: nulls last; backward: exactly the mirror image.
            expression.nulls_last, expression.nulls_first = (None, True) if reverse else (True, None)
        return expression

    def beyond(self, value: Any, *, reverse: bool) -> Q:
        """Rows strictly after `value` on this key in the walking direction."""
        if value is None:
            # Nulls are the far end going forward; going backward everything non-null is beyond.
            return Q(**{f"{self.field}__isnull": False}) if reverse else Q(pk__in=[])
        lookup = "lt" if self.descending != reverse else "gt"
        q = Q(**{f"{self.field}__{lookup}": value})
        if self.nullable and not reverse:
            q |= Q(**{f"{self.field}__isnull": True})
        return q

    def equal(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.field}__isnull": True})
        return Q(**{self.field: value})

    def encode(self, row) -> Any:
        value = getattr(row, self.field)
        return value.isoformat() if isinstance(value, datetime) else value

    def decode(self, value: Any) -> Any:
        if value is None:
            if not self.nullable:
                raise InvalidCursor("null value for a non-null key")
            return None
        try:
            return datetime.fromisoformat(value) if self.is_datetime else int(value)
        except (TypeError, ValueError) as error:
            raise InvalidCursor(str(error)) from error


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def _encode_cursor(keys: tuple[SortKey, ...], row) -> str:
    raw = json.dumps([key.encode(row) for key in keys], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(keys: tuple[SortKey, ...], cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor("unreadable cursor") from error
    if not isinstance(values, list) or len(values) != len(keys):
        raise InvalidCursor("cursor does not match the sort order")
    return [key.decode(value) for key, value in zip(keys, values, strict=True)]


def _seek(keys: tuple[SortKey, ...], values: list[Any], *, reverse: bool) -> Q:
    condition = Q(pk__in=[])
    prefix = Q()
    for key, value in zip(keys, values, strict=True):
        condition |= prefix & key.beyond(value, reverse=reverse)
        prefix &= key.equal(value)
    first, first_value = keys[0], values[0]
    if not first.nullable and first_value is not None:
        # Redundant with the OR above, but it gives the planner an index range to start from.
        lookup = "lte" if first.descending != reverse else "gte"
        condition &= Q(**{f"{first.field}__{lookup}": first_value})
    return condition


def keyset_page(
    queryset: QuerySet,
    keys: tuple[SortKey, ...],
    *,
    size: int,
    after: str | None = None,
    before: str | None = None,
    sort_found: bool = False,
) -> Page:
    """One page of `queryset` in `keys` order: the first page, or the page after/before a cursor.

    Always exactly one query for the rows (plus the queryset's own prefetches). `sort_found` is
    for a queryset known to be small whose rows an order index could put last: the database then
    finds them by their own filter and sorts them, rather than walking that index from its start,
    and joins the related rows of the page only, not of every row it sorted.
    """
    reverse = bool(before) and not after
    cursor = after or before
    if cursor:
        queryset = queryset.filter(_seek(keys, _decode_cursor(keys, cursor), reverse=reverse))
    order = [key.order_by(reverse=reverse) for key in keys]
    if sort_found:
        fenced = [key.order_by(reverse=reverse, fenced=i == 0) for i, key in enumerate(keys)]
        page_ids = queryset.order_by(*fenced).values("pk")[: size + 1]
        queryset = queryset.filter(pk__in=page_ids)
    rows = list(queryset.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if reverse:
        rows.reverse()
        return Page(
            rows=rows,
            next_cursor=_encode_cursor(keys, rows[-1]) if rows else None,
            previous_cursor=_encode_cursor(keys, rows[0]) if rows and more else None,
        )
    return Page(
        rows=rows,
        next_cursor=_encode_cursor(keys, rows[-1]) if rows and more else None,
        previous_cursor=_encode_cursor(keys, rows[0]) if rows and cursor else None,
    )
