from collections.abc import Iterable

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Q

from helpdesk.roles import is_staff_member
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


def audit_label(target: models.Model) -> str:
    return getattr(target, "audit_label", None) or str(target)


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    target: models.Model | None = None,
    details: dict | None = None,
    ip_address: str | None = None,
    target_repr: str | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (part of the caller's transaction).

    The target is named by its `audit_label` where it has one, else by str(target): a model whose
    str() is personal data (a customer's name) names itself by id, because nobody can edit this log,
    not even when the person is erased. `target_repr` names a target that is not a row.
    """
    actor = actor if getattr(actor, "is_authenticated", False) else None
    if target_repr is None:
        target_repr = audit_label(target) if target is not None else ""
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=target_repr[:200],
        details=details or {},
        ip_address=ip_address or None,
    )


def audit_record_many(
    *,
    action: str,
    actor: AbstractBaseUser | None,
    targets: Iterable[models.Model],
    details: dict | None = None,
    ip_address: str | None = None,
) -> int:
    """One entry per target, written in one statement (a bulk delete in the admin)."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    entries = [
        AuditEntry(
            actor=actor,
            actor_name=actor.get_username() if actor else "",
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            target_repr=audit_label(target)[:200],
            details=details or {},
            ip_address=ip_address or None,
        )
        for target in targets
    ]
    return len(AuditEntry.objects.bulk_create(entries))


@transaction.atomic
def user_anonymize(*, user: AbstractBaseUser) -> bool:
    """Turn a customer's portal login into an anonymous, disabled account (part of erasing them).

    The row stays, because messages point to their author; its names are replaced here and in the
    audit log, so the person cannot be found by them. Staff accounts are never touched (False).
    """
    if is_staff_member(user):
        return False
    old, new = user.get_username(), f"erased-{user.pk}"
    get_user_model().objects.filter(pk=user.pk).update(
        username=new, email="", first_name="", last_name="", is_active=False, password=make_password(None)
    )
    AuditEntry.objects.filter(actor_id=user.pk).update(actor_name=new)
    AuditEntry.objects.filter(target_type=user._meta.label_lower, target_id=str(user.pk)).update(
        target_repr=new
    )
    AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED, details__username=old).update(
        details={"username": new}
    )
    # Sign-in attempts (django-axes) keep the name that was typed and the form's fields.
    typed = Q(username__iexact=old) | (Q(username__iexact=user.email) if user.email else Q(pk__in=[]))
    AccessAttempt.objects.filter(typed).update(username=new, get_data="", post_data="")
    AccessFailureLog.objects.filter(typed).update(username=new)
    AccessLog.objects.filter(typed).update(username=new)
    return True
