"""Ticket search: by reference, by customer email, or full text over subjects and messages.

On PostgreSQL the text search uses the 'simple' configuration (the helpdesk is multilingual, so
no stemming) over expression GIN indexes that match these expressions exactly (see migration
0100_search_indexes); elsewhere it falls back to case-insensitive containment.
"""

import re

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import BooleanField, Exists, Func, OuterRef, Q, QuerySet, TextField

from lifecycle.models import CustomerEmail

from .models import Message

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def reference_pattern() -> re.Pattern:
    return re.compile(rf"^\s*(?:{re.escape(settings.TICKET_REFERENCE_PREFIX)}-|#)?(\d{{1,18}})\s*$", re.I)


class SimpleTsVector(Func):
    """to_tsvector('simple', column): exactly the expression the GIN indexes are built on."""

    function = "to_tsvector"
    template = "%(function)s('simple'::regconfig, %(expressions)s)"
    output_field = TextField()


class TsMatch(Func):
    """vector @@ query, usable directly in filter()."""

    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


def ticket_search(queryset: QuerySet, text: str) -> QuerySet:
    """Narrow `queryset` (already permission-scoped) to tickets matching `text`."""
    text = (text or "").strip()
    if not text:
        return queryset
    reference = reference_pattern().match(text)
    if reference:
        return queryset.filter(pk=int(reference.group(1)))
    if EMAIL.match(text):
        # Intake files every ticket under the customer who owns the sender's address.
        owners = CustomerEmail.objects.filter(address=text.lower()).values("customer_id")
        return queryset.filter(customer_id__in=owners)
    if connection.vendor == "postgresql":
        return _full_text(queryset, text)
    return _contains(queryset, text)


def _full_text(queryset: QuerySet, text: str) -> QuerySet:
    query = SearchQuery(text, config="simple", search_type="plain")
    in_subject = queryset.model.objects.filter(TsMatch(SimpleTsVector("subject"), query)).values("pk")
    in_messages = Message.objects.filter(TsMatch(SimpleTsVector("body_text"), query)).values("ticket_id")
    # Two index scans joined by UNION, rather than an OR the planner could only do row by row.
    return queryset.filter(pk__in=in_subject.union(in_messages))


def _contains(queryset: QuerySet, text: str) -> QuerySet:
    in_messages = Message.objects.filter(ticket=OuterRef("pk"), body_text__icontains=text)
    return queryset.filter(Q(subject__icontains=text) | Exists(in_messages))
