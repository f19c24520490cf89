import time

import pytest
from django.urls import reverse
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app shows that the device will accept now.

    The device accepts the time steps around ``now + drift`` that come after the last one it
    took (``last_t``). Confirming a code computed just before a step boundary leaves a drift
    of -1, so "the next step" must be read from the device, not guessed from the clock.
    """
    now = int(time.time() - device.t0) // device.step + device.drift
    return f"{hotp(device.bin_key, max(now, device.last_t + 1), digits=device.digits):06d}"


def enable(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


def test_staff_sets_up_authenticator_and_confirms_with_a_code(client, agent):
    client.force_login(agent)
    client.post(reverse("accounts:two_factor"), {"action": "start"})
    page = client.get(reverse("accounts:two_factor"))
    assert "<svg" in page.content.decode() and page.context["secret"]
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    bad = client.post(reverse("accounts:two_factor"), {"action": "confirm", "token": "000000"})
    assert "That code is not valid" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code delays the next try; the test does not wait
    client.post(reverse("accounts:two_factor"), {"action": "confirm", "token": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed


def test_login_with_authenticator_needs_the_code(client, agent):
    device = enable(agent)
    response = client.post(reverse("accounts:login"), {"username": agent.username, "password": PASSWORD})
    assert response["Location"] == reverse("accounts:login_verify")
    assert client.get("/tickets/").status_code == 302  # not signed in yet
    wrong = client.post(reverse("accounts:login_verify"), {"token": "123456"})
    assert "That code is not valid" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code delays the next try; the test does not wait
    response = client.post(reverse("accounts:login_verify"), {"token": code_for(device)})
    assert response.status_code == 302
    assert client.get("/tickets/").status_code == 200


def test_login_without_authenticator_is_one_step(client, agent):
    response = client.post(reverse("accounts:login"), {"username": agent.username, "password": PASSWORD})
    assert response["Location"] == "/"


def test_code_step_expires(client, agent):
    enable(agent)
    client.post(reverse("accounts:login"), {"username": agent.username, "password": PASSWORD})
    session = client.session
    session["two_factor_pending"]["at"] = time.time() - 600
    session.save()
    assert client.get(reverse("accounts:login_verify"))["Location"] == reverse("accounts:login")


def test_code_step_without_password_step_goes_back_to_login(client):
    assert client.get(reverse("accounts:login_verify"))["Location"] == reverse("accounts:login")


def test_turning_off_needs_the_password(client, agent):
    enable(agent)
    client.force_login(agent)
    response = client.post(reverse("accounts:two_factor"), {"action": "disable", "password": "wrong"})
    assert "That is not your password" in response.content.decode()
    assert TOTPDevice.objects.filter(user=agent).exists()
    client.post(reverse("accounts:two_factor"), {"action": "disable", "password": PASSWORD})
    assert not TOTPDevice.objects.filter(user=agent).exists()


def test_two_factor_page_is_for_staff(client, customer_user):
    client.force_login(customer_user)
    assert client.get(reverse("accounts:two_factor")).status_code == 403


def test_code_for_gives_an_accepted_code_after_a_confirm_that_crossed_a_step(agent):
    # A code typed in step S and checked in step S+1 leaves drift -1 and last_t S: the next
    # sign-in must use a step inside [now-2, now] and after S, which code_for picks.
    device = enable(agent)
    now = int(time.time() - device.t0) // device.step
    device.drift, device.last_t = -1, now - 1
    device.save()
    assert device.verify_token(code_for(device))
