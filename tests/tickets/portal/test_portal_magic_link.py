import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from mail.models import OutboundEmail
from tests.factories import CustomerFactory
from tickets.models import PortalMagicLink
from tickets.portal import services

pytestmark = pytest.mark.django_db
REQUEST = "/portal/sign-in/"


def _link_from_outbox() -> str:
    email = OutboundEmail.objects.order_by("-pk").first()
    return re.search(r"https?://\S+/portal/sign-in/(\S+)/", email.body_text).group(1)


def _neutral(response, address: str) -> str:
    """The page without the address typed and the per-response CSRF token."""
    page = response.content.decode().replace(address, "")
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def test_magic_link_known_and_unknown_address_get_the_same_answer(client, customer_user):
    known = client.post(REQUEST, {"email": customer_user.email})
    unknown = client.post(REQUEST, {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 200
    assert _neutral(known, customer_user.email) == _neutral(unknown, "nobody@example.test")
    assert OutboundEmail.objects.count() == 1
    assert OutboundEmail.objects.get().to == [customer_user.email]


def test_magic_link_signs_in_the_customer(client, customer_user):
    client.post(REQUEST, {"email": customer_user.email.upper()})
    token = _link_from_outbox()
    assert client.get(f"{REQUEST}{token}/").status_code == 200  # GET (mail scanners) spends nothing
    response = client.post(f"{REQUEST}{token}/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).context["user"] == customer_user


def test_magic_link_creates_a_portal_user_for_a_known_customer(client):
    customer = CustomerFactory(email="new@example.test", display_name="Noa Cohen")
    client.post(REQUEST, {"email": "new@example.test"})
    client.post(f"{REQUEST}{_link_from_outbox()}/")
    customer.refresh_from_db()
    user = customer.user
    assert user is not None and user.email == "new@example.test"
    assert (user.first_name, user.last_name) == ("Noa", "Cohen")
    assert not user.has_usable_password()
    assert client.get(reverse("portal:home")).status_code == 200


def test_magic_link_reused_is_refused(client, customer_user):
    client.post(REQUEST, {"email": customer_user.email})
    token = _link_from_outbox()
    client.post(f"{REQUEST}{token}/")
    client.logout()
    response = client.post(f"{REQUEST}{token}/")
    assert response.status_code == 400
    assert "expired or was already used" in response.content.decode()
    assert client.get(reverse("portal:home")).status_code == 302


def test_magic_link_expired_is_refused(client, customer_user):
    client.post(REQUEST, {"email": customer_user.email})
    PortalMagicLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(f"{REQUEST}{_link_from_outbox()}/").status_code == 400
    assert client.get(reverse("portal:home")).status_code == 302


def test_magic_link_unknown_token_is_refused(client):
    assert client.post(f"{REQUEST}not-a-token/").status_code == 400


def test_magic_link_stores_only_a_hash(client, customer_user):
    client.post(REQUEST, {"email": customer_user.email})
    token = _link_from_outbox()
    assert not PortalMagicLink.objects.filter(token_hash=token).exists()


def test_magic_link_per_address_limit_is_silent(client, customer_user):
    for _ in range(services.MAGIC_LINKS_PER_ADDRESS + 2):
        assert client.post(REQUEST, {"email": customer_user.email}).status_code == 200
    assert OutboundEmail.objects.count() == services.MAGIC_LINKS_PER_ADDRESS


def test_magic_link_per_client_limit_answers_429(client):
    for n in range(services.MAGIC_LINK_REQUESTS_PER_CLIENT):
        assert client.post(REQUEST, {"email": f"probe{n}@example.test"}).status_code == 200
    response = client.post(REQUEST, {"email": "one-more@example.test"})
    assert response.status_code == 429
    assert "Too many" in response.content.decode()


def test_magic_link_never_signs_in_staff(client, agent):
    CustomerFactory(user=agent, email=agent.email)
    client.post(REQUEST, {"email": agent.email})
    assert not OutboundEmail.objects.exists()


def test_magic_link_bad_email_is_a_form_error(client):
    response = client.post(REQUEST, {"email": "not an email"})
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    assert not User.objects.exists()
