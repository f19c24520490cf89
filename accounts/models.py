from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """Who did what and when. Written by services; never changed or deleted from the UI."""

    class Action(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGIN_FAILED = "login_failed", "Failed sign-in"
        LOGOUT = "logout", "Signed out"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        ROLES_CHANGED = "roles_changed", "Roles changed"
        TOKEN_CREATED = "token_created", "API token created"
        TOKEN_REVOKED = "token_revoked", "API token revoked"
        WEBHOOK_CHANGED = "webhook_changed", "Webhook endpoint changed"
        EXPORT = "export", "Data exported"
        DELETE = "delete", "Deleted"
        STAGE_CORRECTED = "stage_corrected", "Lifecycle stage corrected"
        CUSTOMER_MERGED = "customer_merged", "Customers merged"
        CUSTOMER_ERASED = "customer_erased", "Customer erased"
        TICKET_MERGED = "ticket_merged", "Tickets merged"
        SETTINGS_CHANGED = "settings_changed", "Settings changed"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="The username at the time.")
    action = models.CharField(max_length=20, choices=Action.choices)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["action", "-id"], name="accounts_audit_action_idx")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name or 'system'} {self.action} {self.target_repr}"
        )

    @property
    def detail_lines(self) -> list[tuple[str, str]]:
        """The details as (dotted key, value) pairs, nested dictionaries flattened, for reading."""

        def flatten(prefix: str, value) -> list[tuple[str, str]]:
            if isinstance(value, dict) and value:
                return [pair for key, item in value.items() for pair in flatten(f"{prefix}{key}.", item)]
            if isinstance(value, list):
                value = ", ".join(str(item) for item in value)
            return [(prefix.rstrip("."), "" if value is None else str(value))]

        return flatten("", self.details) if isinstance(self.details, dict) and self.details else []
