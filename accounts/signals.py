"""Sign-in events and role changes go to the audit log.

These are Django's own auth and m2m signals: infrastructure events with no service of ours to
call, so receivers are the way to see them (domain flow never uses signals here).
"""

from django.contrib.auth.models import Group, User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from .models import AuditEntry
from .services import audit_record


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(action=AuditEntry.Action.LOGIN, actor=user, target=user, ip_address=client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditEntry.Action.LOGOUT, actor=user, target=user, ip_address=client_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action=AuditEntry.Action.LOGIN_FAILED, details={"username": username}, ip_address=client_ip(request)
    )


@receiver(m2m_changed, sender=User.groups.through)
def _roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear") or reverse:
        return
    names = sorted(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
    audit_record(
        action=AuditEntry.Action.ROLES_CHANGED,
        target=instance,
        details={"change": action.removeprefix("post_"), "groups": names},
    )
