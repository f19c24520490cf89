"""The follow-up after a ticket is solved: a FollowUp row written when it is solved, sent by a
periodic task once due (skipped if the ticket was reopened), with a signed rating link."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ...models import FollowUp, Ticket
from .outbound import system_email_send
from .texts import FOLLOWUP, language_of

RATING_SALT = "tickets.rating"
RATING_MAX_AGE = timedelta(days=60)


def followup_schedule(*, ticket: Ticket) -> FollowUp | None:
    """Called when an emailed ticket enters solved: (re)schedule its one pending follow-up.

    Off when EMAIL_FOLLOWUP_DELAY_HOURS is negative."""
    delay = settings.EMAIL_FOLLOWUP_DELAY_HOURS
    if delay < 0 or ticket.channel != Ticket.Channel.EMAIL or not ticket.requester_email:
        return None
    followup, _ = FollowUp.objects.update_or_create(
        ticket=ticket,
        state=FollowUp.State.PENDING,
        defaults={"due_at": timezone.now() + timedelta(hours=delay)},
    )
    return followup


def rating_token(ticket: Ticket) -> str:
    return signing.dumps(ticket.pk, salt=RATING_SALT, compress=True)


def rating_ticket(token: str) -> Ticket | None:
    """The ticket a rating link is for; None for a forged, expired or unknown link."""
    try:
        ticket_id = signing.loads(token, salt=RATING_SALT, max_age=RATING_MAX_AGE)
    except signing.BadSignature:
        return None
    return Ticket.objects.filter(pk=ticket_id, is_spam=False, merged_into=None).first() if ticket_id else None


def followups_due(*, now=None) -> list[int]:
    rows = FollowUp.objects.filter(state=FollowUp.State.PENDING, due_at__lte=now or timezone.now())
    return list(rows.order_by("due_at").values_list("pk", flat=True)[:500])


@transaction.atomic
def followup_send(*, followup_id: int) -> FollowUp | None:
    """Send one due follow-up, or skip it when the ticket is no longer solved. Safe to run twice."""
    rows = FollowUp.objects.select_for_update(skip_locked=True).select_related("ticket__customer")
    followup = rows.filter(pk=followup_id, state=FollowUp.State.PENDING).first()
    if followup is None:
        return None
    ticket = followup.ticket
    followup.done_at = timezone.now()
    if ticket.status not in Ticket.SOLVED or ticket.is_spam or ticket.merged_into_id:
        followup.state = FollowUp.State.SKIPPED
        followup.save(update_fields=["state", "done_at"])
        return followup
    subject, body = _text(ticket)
    system_email_send(ticket=ticket, subject=subject, body=body)
    followup.state = FollowUp.State.SENT
    followup.save(update_fields=["state", "done_at"])
    return followup


def _text(ticket: Ticket) -> tuple[str, str]:
    customer = ticket.customer
    subject, body = FOLLOWUP[language_of(ticket.language, customer.preferred_language)]
    link = settings.SITE_URL + reverse("rating", args=[rating_token(ticket)])
    name = customer.first_name or customer.display_name or ticket.requester_email
    return subject, body.format(
        name=name, reference=ticket.reference, link=link, helpdesk=settings.HELPDESK_NAME
    )
