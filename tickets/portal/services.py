"""Portal writes: magic sign-in links and the customer's own ticket actions (via the ticket services)."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from helpdesk.roles import is_staff_member
from lifecycle.models import Customer, CustomerEmail
from lifecycle.services import normalize_email, surviving
from mail.services import email_queue

from ..models import Message, PortalMagicLink, SatisfactionRating, Ticket
from ..services import ticket_create, ticket_customer_message, ticket_rate

MAGIC_LINK_LIFETIME = timedelta(minutes=20)
# Per address: a few links per window, silently (the answer must not tell whether it is known).
MAGIC_LINKS_PER_ADDRESS = 3
# Per client address: refused with 429 beyond this, to stop address probing and mail floods.
MAGIC_LINK_REQUESTS_PER_CLIENT = 10
RATE_WINDOW_SECONDS = 15 * 60


class RateLimited(Exception):
    """Too many sign-in link requests from one client; try again later."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _count(key: str) -> int:
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        return 1


@transaction.atomic
def portal_magic_link_request(*, email: str, client: str) -> None:
    """Email a one-time sign-in link if `email` belongs to a customer; otherwise do nothing, silently.

    Raises RateLimited when `client` (the requester's IP) asked too often, whatever the address.
    """
    if _count(f"portal:magic:client:{client}") > MAGIC_LINK_REQUESTS_PER_CLIENT:
        raise RateLimited
    try:
        address = normalize_email(email)
    except ValidationError:
        return
    if _count(f"portal:magic:address:{_hash(address)}") > MAGIC_LINKS_PER_ADDRESS:
        return
    known = CustomerEmail.objects.select_related("customer").filter(address=address).first()
    if known is None:
        return
    customer = surviving(known.customer)
    if customer.user_id and is_staff_member(customer.user):
        return  # staff sign in with their password (and second factor), never by email link
    token = secrets.token_urlsafe(32)
    PortalMagicLink.objects.create(
        customer=customer,
        email=address,
        token_hash=_hash(token),
        expires_at=timezone.now() + MAGIC_LINK_LIFETIME,
    )
    url = settings.SITE_URL + reverse("portal:magic_link_signin", args=[token])
    minutes = int(MAGIC_LINK_LIFETIME.total_seconds() // 60)
    email_queue(
        to=[address],
        subject=f"Your sign-in link for {settings.HELPDESK_NAME}",
        body_text=(
            f"Open this link to sign in to your requests:\n\n{url}\n\n"
            f"It works once, within {minutes} minutes. If you did not ask for it, ignore this email."
        ),
        auto_generated=True,
    )


@transaction.atomic
def portal_magic_link_redeem(*, token: str) -> User:
    """The portal user the link signs in (created for the customer if they had none); the link is spent."""
    link = (
        PortalMagicLink.objects.select_for_update()
        .select_related("customer")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    if link is None or link.used_at is not None or link.expires_at <= timezone.now():
        raise ValidationError("This sign-in link has expired or was already used. Ask for a new one.")
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    customer = Customer.objects.select_for_update().get(pk=surviving(link.customer).pk)
    if customer.user_id is None:
        customer.user = _portal_user_create(customer=customer, email=link.email)
        # The portal login is the only field of the customer the portal owns.
        Customer.objects.filter(pk=customer.pk).update(user=customer.user)
    user = customer.user
    if not user.is_active or is_staff_member(user):
        raise PermissionDenied("This account cannot sign in to the portal.")
    return user


def _portal_user_create(*, customer: Customer, email: str) -> User:
    base = f"customer-{customer.pk}"
    username = base
    while User.objects.filter(username=username).exists():
        username = f"{base}-{secrets.token_hex(3)}"
    first, _, last = (customer.display_name or "").partition(" ")
    user = User(username=username, email=email, first_name=first[:150], last_name=last[:150])
    user.set_unusable_password()
    user.save()
    return user


def _customer_address(user) -> str:
    emails = user.customer.emails.order_by("-is_primary", "pk").values_list("address", flat=True)
    return emails.first() or user.email


@transaction.atomic
def portal_ticket_open(*, user: User, subject: str, body: str, attachments: Iterable = ()) -> Ticket:
    """A new ticket from the portal, written by the signed-in customer."""
    return ticket_create(
        subject=subject,
        body=body,
        customer_email=_customer_address(user),
        customer_name=user.customer.display_name,
        channel=Ticket.Channel.PORTAL,
        by=user,
        attachments=attachments,
    )


@transaction.atomic
def portal_ticket_answer(*, user: User, ticket: Ticket, body: str, attachments: Iterable = ()) -> Message:
    """The customer's answer on their ticket; a closed ticket is final (ValidationError)."""
    if ticket.status == Ticket.Status.CLOSED or ticket.merged_into_id:
        raise ValidationError("This request is closed. Open a new request to write to us again.")
    return ticket_customer_message(
        ticket=ticket, body=body, channel=Ticket.Channel.PORTAL, author=user, attachments=attachments
    )


@transaction.atomic
def portal_ticket_rate(*, ticket: Ticket, score: int, comment: str = "") -> SatisfactionRating:
    """Rate a solved ticket; rating again replaces the earlier rating."""
    if not ticket.is_solved or ticket.merged_into_id:
        raise ValidationError("Only solved requests can be rated.")
    return ticket_rate(ticket=ticket, score=score, comment=comment)
