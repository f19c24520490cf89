"""Outgoing webhooks: endpoints admins register, and one delivery row per event and endpoint.

The fan-out follows the tickets event log and the lifecycle stage history by id (a cursor row),
so tickets and lifecycle know nothing of webhooks. A delivery is unique per (endpoint, event_key):
following the logs twice never sends an event twice.
"""

import secrets

from django.conf import settings
from django.db import models


class EventType(models.TextChoices):
    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_UPDATED = "ticket.updated", "Ticket updated"
    MESSAGE_CREATED = "message.created", "Message created"
    CUSTOMER_STAGE_CHANGED = "customer.stage_changed", "Customer stage changed"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Endpoint(models.Model):
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Event types this endpoint receives.")
    secret = models.CharField(
        max_length=100, default=new_secret, help_text="Signs every delivery (HMAC-SHA256)."
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (will retry)"
        DEAD = "dead", "Failed (gave up)"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    event_key = models.CharField(max_length=100, help_text="Unique per event, e.g. ticket-event:123.")
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="webhooks_delivery_uniq")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhooks_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.state})"


class Cursor(models.Model):
    """How far the fan-out has read one source log."""

    stream = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.stream} @ {self.last_id}"
