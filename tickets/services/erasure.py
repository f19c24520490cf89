"""Erasing a customer's personal data from tickets (a LIFECYCLE_ERASE_HANDLERS entry).

Rows the KPIs count stay as they are: tickets with their statuses, times and dimensions, the
event log, every message's kind, sender, author and time, and rating scores. What a person wrote
or can be recognised by goes: subjects, bodies, raw emails, attachments (files too), rating
comments, requester addresses, chat senders and portal sign-in links.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lifecycle.models import ERASED_TEXT, Customer

from ..export import customer_messages
from ..models import (
    Attachment,
    ConversationLink,
    FollowUp,
    PortalMagicLink,
    RawEmail,
    SatisfactionRating,
    Ticket,
)
from .search import search_documents_rebuild

ERASED_HTML = f"<p>{ERASED_TEXT}</p>"


@transaction.atomic
def customer_tickets_erase(*, customer: Customer, customer_ids: list[int], addresses: list[str]) -> dict:
    """Anonymise the tickets of `customer_ids` (the customer and those merged into it) and every
    message of their conversations (see export.customer_messages); returns counts per kind."""
    tickets = Ticket.objects.filter(customer_id__in=customer_ids)
    messages = customer_messages(customer=customer, customer_ids=customer_ids, addresses=addresses)
    # Read before the blanking: afterwards `messages` no longer finds some of its rows.
    searchable = {*tickets.values_list("pk", flat=True), *messages.values_list("ticket_id", flat=True)}
    # In this order: `messages` finds some rows through their raw email's sender, blanked last.
    counts = {
        "attachments": _attachments_delete(Attachment.objects.filter(message__in=messages)),
        "messages": messages.update(body_text=ERASED_TEXT, body_html=ERASED_HTML),
        "raw_emails": _raw_emails_erase(
            RawEmail.objects.filter(Q(ticket__in=tickets) | Q(message__in=messages) | Q(sender__in=addresses))
        ),
        "ratings": SatisfactionRating.objects.filter(ticket__in=tickets)
        .exclude(comment="")
        .update(comment=ERASED_TEXT),
        "conversations": ConversationLink.objects.filter(ticket__in=tickets).delete()[0],
        "portal_links": PortalMagicLink.objects.filter(customer_id__in=customer_ids).delete()[0],
    }
    FollowUp.objects.filter(ticket__in=tickets, state=FollowUp.State.PENDING).update(
        state=FollowUp.State.SKIPPED, done_at=timezone.now()
    )
    counts["tickets"] = tickets.update(subject=ERASED_TEXT, requester_email="")
    search_documents_rebuild(ticket_ids=searchable)  # their words must not stay findable
    return counts


def _attachments_delete(attachments) -> int:
    """Delete the rows now and the stored files once the erasure has committed."""
    found = list(attachments.values_list("pk", "file"))
    if not found:
        return 0
    Attachment.objects.filter(pk__in=[pk for pk, _ in found]).delete()
    names = [name for _, name in found if name]
    transaction.on_commit(lambda: _files_delete(names))
    return len(found)


def _files_delete(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def _raw_emails_erase(raw_emails) -> int:
    """Keep the row (its Message-ID still stops a re-delivery) without a byte of the original."""
    waiting = (RawEmail.State.RECEIVED, RawEmail.State.QUARANTINED)
    raw_emails.filter(state__in=waiting).update(state=RawEmail.State.IGNORED)
    return raw_emails.update(raw=b"", size=0, sender="", subject=ERASED_TEXT, reason=ERASED_TEXT)
