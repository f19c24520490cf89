"""Keeping each ticket's search document (tickets.models.SearchDocument) up to date.

A document is the 'simple' tsvector of the ticket's subject and the text of all its messages
(notes and system messages included: agents search them too). It is written on PostgreSQL only;
elsewhere tickets.search reads subjects and messages directly, so these are no-ops there.

The text is capped so that no ticket can outgrow PostgreSQL's 1 MB tsvector limit (which would
make adding a message fail): each message counts with its first MESSAGE_CHARS characters, and a
document past DOCUMENT_BYTES takes no more words. Tickets that large are found by their first words.
"""

from collections.abc import Iterable

from django.db import connection

from ..models import Ticket

MESSAGE_CHARS = 20_000
DOCUMENT_CHARS = 200_000
DOCUMENT_BYTES = 400_000  # stored (possibly compressed) size: well under 1 MB with the next message

_APPEND = """
    INSERT INTO tickets_searchdocument (ticket_id, document)
    VALUES (
        %(ticket)s,
        to_tsvector('simple', %(subject)s) || to_tsvector('simple', left(%(text)s, %(chars)s))
    )
    ON CONFLICT (ticket_id) DO UPDATE SET document = CASE
        WHEN pg_column_size(tickets_searchdocument.document) > %(bytes)s THEN tickets_searchdocument.document
        ELSE tickets_searchdocument.document || to_tsvector('simple', left(%(text)s, %(chars)s))
    END
"""

# The same document built from scratch, for the tickets in %(ids)s (every ticket when it is null).
# Each distinct text is turned into a tsvector once (d): bulk-loaded tickets often share their
# messages' text (canned replies, the demo data's phrases), and to_tsvector is most of the cost.
_REBUILD = """
    WITH m AS MATERIALIZED (
        SELECT ticket_id,
               left(string_agg(left(body_text, %(chars)s), ' ' ORDER BY created_at, id), %(total)s) AS body
        FROM tickets_message
        WHERE (%(ids)s::bigint[] IS NULL OR ticket_id = ANY(%(ids)s::bigint[]))
          AND ticket_id BETWEEN %(first)s AND %(last)s
        GROUP BY ticket_id
    ), d AS MATERIALIZED (
        SELECT body, to_tsvector('simple', body) AS document FROM (SELECT DISTINCT body FROM m) AS bodies
    )
    INSERT INTO tickets_searchdocument (ticket_id, document)
    SELECT t.id, to_tsvector('simple', t.subject) || coalesce(d.document, to_tsvector('simple', ''))
    FROM tickets_ticket t
    LEFT JOIN m ON m.ticket_id = t.id
    LEFT JOIN d ON d.body = m.body
    WHERE (%(ids)s::bigint[] IS NULL OR t.id = ANY(%(ids)s::bigint[]))
      AND t.id BETWEEN %(first)s AND %(last)s
    ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document
"""


def search_document_append(*, ticket: Ticket, text: str) -> None:
    """Add one message's text to the ticket's document (creating it, with the subject, if new)."""
    if connection.vendor != "postgresql":
        return
    params = {
        "ticket": ticket.pk,
        "subject": ticket.subject,
        "text": text or "",
        "chars": MESSAGE_CHARS,
        "bytes": DOCUMENT_BYTES,
    }
    with connection.cursor() as cursor:
        cursor.execute(_APPEND, params)


def search_documents_rebuild(
    *, ticket_ids: Iterable[int] | None = None, first_id: int = 0, last_id: int = 2**62
) -> None:
    """Rebuild the documents of `ticket_ids` (every ticket when None) from their subject and messages,
    of the tickets with ids from `first_id` to `last_id`.

    For changes that are not one new message: messages moved by a merge, bulk-loaded tickets.
    """
    if connection.vendor != "postgresql":
        return
    ids = None if ticket_ids is None else sorted(set(ticket_ids))
    if ids == []:
        return
    params = {"ids": ids, "first": first_id, "last": last_id, "chars": MESSAGE_CHARS, "total": DOCUMENT_CHARS}
    with connection.cursor() as cursor:
        cursor.execute(_REBUILD, params)
