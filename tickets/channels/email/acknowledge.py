"""The automatic acknowledgement of a new emailed ticket."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ...models import Message, Ticket
from .outbound import system_email_send
from .texts import ACKNOWLEDGEMENT, language_of


def automatic_emails_last_hour(address: str) -> int:
    """Our automatic emails (acknowledgements) to `address` in the last hour."""
    since = timezone.now() - timedelta(hours=1)
    return (
        Message.objects.filter(
            kind=Message.Kind.SYSTEM, ticket__requester_email=address, created_at__gte=since
        )
        .exclude(external_message_id="")
        .count()
    )


def ticket_acknowledge(*, ticket: Ticket) -> Message | None:
    """Acknowledge a new emailed ticket (EMAIL_ACKNOWLEDGE_NEW_TICKETS), in the customer's language.

    Stored as a system message (never an agent reply, KPIS.md) and sent with Auto-Submitted:
    auto-generated; at most INBOUND_AUTOMATIC_PER_HOUR per address per hour, so two autoresponders
    cannot keep each other busy.
    """
    if not settings.EMAIL_ACKNOWLEDGE_NEW_TICKETS or not ticket.requester_email:
        return None
    if automatic_emails_last_hour(ticket.requester_email) >= settings.INBOUND_AUTOMATIC_PER_HOUR:
        return None
    customer = ticket.customer
    subject, body = ACKNOWLEDGEMENT[language_of(ticket.language, customer.preferred_language)]
    body = body.format(
        name=customer.first_name or customer.display_name or ticket.requester_email,
        reference=ticket.reference,
        helpdesk=settings.HELPDESK_NAME,
    )
    return system_email_send(ticket=ticket, subject=subject, body=body)
