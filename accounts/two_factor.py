"""Optional TOTP two-factor sign-in for staff (django-otp).

A staff user who confirmed an authenticator app is signed in only after the password AND a
current code: the password step parks the user id in the session, the code step logs them in.
"""

import io

import qrcode
import qrcode.image.svg
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

PENDING_SESSION_KEY = "two_factor_pending"
DEVICE_NAME = "Authenticator app"


def needs_second_factor(user: AbstractBaseUser) -> bool:
    return user_has_device(user, confirmed=True)


@transaction.atomic
def totp_device_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """An unconfirmed device with a fresh secret (replacing an earlier unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_device_pending(*, user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token.strip().replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def totp_devices_remove(*, user: AbstractBaseUser) -> int:
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted


def totp_verify(*, user: AbstractBaseUser, token: str) -> TOTPDevice | None:
    """The confirmed device that accepts `token` (django-otp throttles repeated failures)."""
    token = token.strip().replace(" ", "")
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an SVG QR code (no images on disk, nothing from outside)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()
