"""Ticket search: by reference, by customer email, or full text over subjects and messages.

References and email addresses are exact matches on indexed columns. Words are searched on
PostgreSQL in each ticket's search document (tickets.models.SearchDocument: the 'simple' tsvector
of the subject and all messages, so no stemming in a multilingual helpdesk) and elsewhere by
case-insensitive containment.

The queue shows matches in its own order (most recently updated first, by default) a page at a
time, and no index serves "matching *and* in this order" at once. So the search chooses how to
find a page from how common the words are, as PostgreSQL's statistics on the documents tell:

- rare words (under WALK_MIN_SHARE of the tickets): the GIN index gives every match and only
  those are sorted;
- common words: the queue walks its usual order index and tests each ticket's document, stopping
  at the end of the page; the more tickets match, the sooner it stops.

The choice is made here, not left to the planner: its guess for a word missing from the
statistics is 0.5% of the tickets, so for a word no ticket contains it walked all million.
"""

import re

from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from lifecycle.models import CustomerEmail

from .models import Message, SearchDocument

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Walking finds a page after about 25 / share tickets; collecting reads every match.
WALK_MIN_SHARE = 0.005

# The query's words, each with the share of documents holding it if it is among the most common
# (ANALYZE keeps those in pg_stats); null for a rarer word.
_WORD_SHARES = """
    SELECT word, stats.share
    FROM unnest(tsvector_to_array(to_tsvector('simple', %s))) AS word
    LEFT JOIN (
        SELECT unnest(most_common_elems::text::text[]) AS element, unnest(most_common_elem_freqs) AS share
        FROM pg_stats
        WHERE schemaname = current_schema() AND tablename = 'tickets_searchdocument' AND attname = 'document'
    ) stats ON stats.element = word
"""


class Matches(Func):
    """`document @@ query` as an expression (Django's lookup cannot take a subquery's result)."""

    arg_joiner = " @@ "
    template = "%(expressions)s"
    output_field = BooleanField()


class InArray(Func):
    """`column = ANY(ARRAY(subquery))`: the subquery runs once, first, and the rows are fetched by key."""

    arg_joiner = " = ANY(ARRAY("
    template = "%(expressions)s))"
    output_field = BooleanField()


def reference_pattern() -> re.Pattern:
    return re.compile(rf"^\s*(?:{re.escape(settings.TICKET_REFERENCE_PREFIX)}-|#)?(\d{{1,18}})\s*$", re.I)


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
    share = _share_of_tickets(text)
    if share is None:  # no words at all (only punctuation): nothing matches
        return queryset.none()
    query = SearchQuery(text, config="simple", search_type="plain")
    if share < WALK_MIN_SHARE:
        matching = SearchDocument.objects.filter(document=query).values("ticket_id")
        return queryset.filter(InArray(F("pk"), Subquery(matching)))
    # A scalar subquery per ticket (not a join, which the planner would turn into "collect every
    # match, then sort") so that each ticket's document is tested as the walk reaches it.
    matches = SearchDocument.objects.filter(ticket_id=OuterRef("pk")).values(
        hit=Matches(F("document"), query)
    )
    return queryset.filter(Coalesce(Subquery(matches), Value(False)))


def _share_of_tickets(text: str) -> float | None:
    """About how many of the tickets (0..1) hold all the words of `text`; 0 if one is rare."""
    with connection.cursor() as cursor:
        cursor.execute(_WORD_SHARES, [text])
        rows = cursor.fetchall()
    if not rows:
        return None
    share = 1.0
    for _, word_share in rows:
        share *= word_share or 0.0
    return share


def _contains(queryset: QuerySet, text: str) -> QuerySet:
    in_messages = Message.objects.filter(ticket=OuterRef("pk"), body_text__icontains=text)
    return queryset.filter(Q(subject__icontains=text) | Exists(in_messages))
