"""The Django admin, with every deletion made in it written to the audit log.

Each ModelAdmin registered (ours, and those of django.contrib.auth, django-otp and axes) is given
the AuditedDeletions mixin, so no app can forget it.
"""

from django.contrib import admin

from accounts.models import AuditEntry
from accounts.services import audit_label, audit_record, audit_record_many


class AuditedDeletions:
    """What an admin deletes (one row, a selection, or an inline row of a form) is audited."""

    def log_deletions(self, request, queryset):
        # Called just before the rows are deleted, so their ids are still there.
        audit_record_many(
            action=AuditEntry.Action.DELETE,
            actor=request.user,
            targets=queryset,
            details={"via": "admin"},
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        return super().log_deletions(request, queryset)

    def log_change(self, request, obj, message):
        for change in message if isinstance(message, list) else []:
            if "deleted" in change:
                name = str(change["deleted"].get("name", "row"))
                audit_record(
                    action=AuditEntry.Action.DELETE,
                    actor=request.user,
                    target=obj,
                    target_repr=f"{name} of {audit_label(obj)}",
                    details={"via": "admin", "deleted": name},
                    ip_address=request.META.get("REMOTE_ADDR"),
                )
        return super().log_change(request, obj, message)


class HelpdeskAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        base = admin_class or admin.ModelAdmin
        if not issubclass(base, AuditedDeletions):
            base = type(base.__name__, (AuditedDeletions, base), {"__module__": base.__module__})
        super().register(model_or_iterable, base, **options)
