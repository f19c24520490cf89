from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from mail.services import email_queue

from .models import AuditEntry


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


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    target: models.Model | None = None,
    details: dict | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (part of the caller's transaction)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        details=details or {},
        ip_address=ip_address or None,
    )
