"""Precomputed KPI inputs (see shared/KPIS.md), derived from the tickets and lifecycle logs.

Everything here is a pure function of the raw rows: `kpis.pipeline` rebuilds it set-based,
either for every ticket and customer (full recompute) or for the ones touched by new log rows
(incremental, following each stream by id from a `KpiCursor`). Times are kept as integer
microseconds since the epoch so that durations are exact and equal on SQLite and PostgreSQL;
`*_day` columns are calendar days in settings.TIME_ZONE.
"""

from django.db import models


class KpiCursor(models.Model):
    """How far one append-only stream has been processed; locked for update while processing.

    `gaps` lists ids below `last_id` that did not exist when we passed them (a transaction that
    had taken the id may still commit): they are looked at again until they expire.
    """

    stream = models.CharField(max_length=32, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    recomputed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.stream} @ {self.last_id}"


class TicketRoot(models.Model):
    """The surviving ticket at the end of each ticket's merge chain (itself if not merged)."""

    ticket_id = models.BigIntegerField(primary_key=True)
    root_id = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.root_id}"


class TicketFact(models.Model):
    """One row per ticket that counts (not spam): everything the ticket KPIs read."""

    ticket_id = models.BigIntegerField(primary_key=True)
    customer_id = models.BigIntegerField()
    is_merged = models.BooleanField(default=False)
    inbound = models.BooleanField(default=True)
    # Dimensions: the ticket's current values.
    team_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=10)
    assignee_id = models.BigIntegerField(null=True)
    priority = models.CharField(max_length=10)
    type = models.CharField(max_length=10)
    stage = models.CharField(max_length=16, null=True)
    created_us = models.BigIntegerField()
    created_day = models.DateField()
    status = models.CharField(max_length=10)
    is_solved = models.BooleanField(default=False)
    first_reply_us = models.BigIntegerField(null=True)
    public_replies = models.IntegerField(default=0)
    solved_us = models.BigIntegerField(null=True, help_text="Only while currently solved.")
    solved_day = models.DateField(null=True)
    reopened = models.BooleanField(default=False)
    first_response_due_us = models.BigIntegerField(null=True)
    resolution_due_us = models.BigIntegerField(null=True)
    repeat_contact = models.BooleanField(default=False)
    rating_score = models.SmallIntegerField(null=True)
    rating_us = models.BigIntegerField(null=True)
    rating_day = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_day"], name="kpis_fact_created_idx"),
            models.Index(fields=["solved_day"], name="kpis_fact_solved_idx"),
            models.Index(fields=["rating_day"], name="kpis_fact_rating_idx"),
            models.Index(fields=["customer_id", "created_us"], name="kpis_fact_customer_idx"),
            models.Index(fields=["customer_id", "solved_us"], name="kpis_fact_cust_solved_idx"),
        ]

    def __str__(self) -> str:
        return f"facts of ticket {self.ticket_id}"


class UnsolvedSpan(models.Model):
    """A stretch of time [start, end[ during which a counted, unmerged ticket was unsolved."""

    ticket_id = models.BigIntegerField(db_index=True)
    start_us = models.BigIntegerField()
    end_us = models.BigIntegerField(null=True)
    start_day = models.DateField()
    end_day = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["end_day", "start_day"], name="kpis_span_days_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} unsolved {self.start_day} to {self.end_day or '…'}"


class StageSpan(models.Model):
    """A stretch [start, end[ a customer spent in one stage, from the live stage history.

    The span before a customer's first change (their first `from` stage) has no start and no
    `change_id`; every other span starts with the change (`change_id`) that entered it.
    """

    customer_id = models.BigIntegerField(db_index=True)
    stage = models.CharField(max_length=16)
    stage_rank = models.SmallIntegerField(
        null=True, help_text="0 to 4 along the five stages; null for churned."
    )
    change_id = models.BigIntegerField(null=True)
    start_us = models.BigIntegerField(null=True)
    end_us = models.BigIntegerField(null=True)
    start_day = models.DateField(null=True)
    end_day = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["stage", "start_day"], name="kpis_stagespan_start_idx"),
            # Churn and retention ask, customer by customer, for their paying or churned spans.
            models.Index(fields=["customer_id", "stage"], name="kpis_stagespan_cust_idx"),
            models.Index(fields=["end_day", "start_day"], name="kpis_stagespan_days_idx"),
        ]

    def __str__(self) -> str:
        return f"customer {self.customer_id} in {self.stage}"


class CustomerRisk(models.Model):
    """The last churn-risk score handed to lifecycle, to send only the ones that changed."""

    customer_id = models.BigIntegerField(primary_key=True)
    score = models.FloatField()
    reasons = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"customer {self.customer_id}: {self.score}"


class CalendarDay(models.Model):
    """Local days of settings.TIME_ZONE as UTC microsecond bounds (SQLite has no time zones)."""

    day = models.DateField(primary_key=True)
    start_us = models.BigIntegerField(unique=True)

    def __str__(self) -> str:
        return str(self.day)


class WorkTicket(models.Model):
    """Scratch: the tickets one pipeline run recomputes (used only under the cursor lock)."""

    ticket_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.ticket_id)


class WorkStatus(models.Model):
    """Scratch: the status history of the tickets of one run, in order, with neighbours."""

    ticket_id = models.BigIntegerField(db_index=True)
    at_us = models.BigIntegerField()
    event_id = models.BigIntegerField()
    status = models.CharField(max_length=10, null=True)
    prev_status = models.CharField(max_length=10, null=True)
    next_us = models.BigIntegerField(null=True)
    is_last = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.status}"


class WorkCustomer(models.Model):
    """Scratch: the customers one pipeline run recomputes (used only under the cursor lock)."""

    customer_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.customer_id)
