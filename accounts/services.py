from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from mail.services import email_queue


def password_changed_notify(*, user: AbstractBaseUser) -> None:
    """Tell the user their password changed, so that an attacker's change is noticed."""
    if not user.email:
        return
    email_queue(
        to=[user.email],
        subject=f"{settings.HELPDESK_NAME}: your password was changed",
        body_text=(
            f"Hello {user.get_username()},\n\n"
            "The password of your account was just changed. If this was not you, "
            "contact your administrator at once.\n"
        ),
        auto_generated=True,
    )
