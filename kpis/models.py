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


DIMENSION_COLUMNS = ["team_id", "channel", "assignee_id", "priority", "type", "stage"]


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
    # The two durations, set only for the tickets in their metric's population, and their
    # histogram bucket (see kpis.pipeline.tickets.bucket_sql).
    frt_us = models.BigIntegerField(null=True)
    frt_bucket = models.SmallIntegerField(null=True)
    resolution_us = models.BigIntegerField(null=True)
    resolution_bucket = models.SmallIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_day"], name="kpis_fact_created_idx"),
            models.Index(fields=["solved_day"], name="kpis_fact_solved_idx"),
            models.Index(fields=["rating_day"], name="kpis_fact_rating_idx"),
            models.Index(fields=["customer_id", "solved_us"], name="kpis_fact_cust_solved_idx"),
            # Medians of a range or slice read these (index-only on PostgreSQL), not the table.
            models.Index(
                fields=["created_day"],
                include=["frt_us", *DIMENSION_COLUMNS],
                condition=models.Q(frt_us__isnull=False),
                name="kpis_fact_frt_idx",
            ),
            models.Index(
                fields=["solved_day"],
                include=["resolution_us", *DIMENSION_COLUMNS],
                condition=models.Q(resolution_us__isnull=False),
                name="kpis_fact_resolution_idx",
            ),
            models.Index(
                fields=["frt_bucket", "created_day"],
                include=["frt_us"],
                condition=models.Q(frt_us__isnull=False),
                name="kpis_fact_frt_bucket_idx",
            ),
            models.Index(
                fields=["resolution_bucket", "solved_day"],
                include=["resolution_us"],
                condition=models.Q(resolution_us__isnull=False),
                name="kpis_fact_res_bucket_idx",
            ),
            # Whether an unanswered or unsolved ticket has breached its SLA depends on "now".
            models.Index(
                fields=["created_day"],
                include=["first_response_due_us", *DIMENSION_COLUMNS],
                condition=models.Q(
                    first_reply_us__isnull=True,
                    inbound=True,
                    is_merged=False,
                    first_response_due_us__isnull=False,
                ),
                name="kpis_fact_fr_pending_idx",
            ),
            models.Index(
                fields=["created_day"],
                include=["resolution_due_us", *DIMENSION_COLUMNS],
                condition=models.Q(is_solved=False, is_merged=False, resolution_due_us__isnull=False),
                name="kpis_fact_res_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"facts of ticket {self.ticket_id}"


class UnsolvedSpan(models.Model):
    """A stretch of time [start, end[ during which a counted, unmerged ticket was unsolved.

    One row per run of unsolved statuses (new → open → pending is one span), so that at most
    one span of a ticket covers any instant.
    """

    ticket_id = models.BigIntegerField(db_index=True)
    start_us = models.BigIntegerField()
    end_us = models.BigIntegerField(null=True)
    start_day = models.DateField()
    end_day = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["end_day", "start_day"], name="kpis_span_days_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} unsolved {self.start_day} to {self.end_day or '…'}"


PAYING_STAGES = ["conversion", "retention", "loyalty"]


class StageSpan(models.Model):
    """A stretch [start, end[ a customer spent in one stage, from the live stage history.

    The span before a customer's first change (their first `from` stage) has no start and no
    `change_id`; every other span starts with the change (`change_id`) that entered it. The
    funnel and churn columns look ahead in the customer's history (kpis.pipeline.customers).
    """

    customer_id = models.BigIntegerField()
    stage = models.CharField(max_length=16)
    stage_rank = models.SmallIntegerField(
        null=True, help_text="0 to 4 along the five stages; null for churned."
    )
    change_id = models.BigIntegerField(null=True)
    start_us = models.BigIntegerField(null=True)
    end_us = models.BigIntegerField(null=True)
    start_day = models.DateField(null=True)
    end_day = models.DateField(null=True)
    prev_entry_day = models.DateField(
        null=True, help_text="Day of the customer's previous entry into this stage, if any."
    )
    moved_on = models.BooleanField(
        default=False, help_text="An entry followed by a later stage of the five within the funnel window."
    )
    run_end_day = models.DateField(
        null=True, help_text="Paying spans: day the customer stopped paying (null: still paying)."
    )
    rejoin_day = models.DateField(
        null=True, help_text="Paying spans: day the customer started paying again after the run ended."
    )
    churn_day = models.DateField(null=True, help_text="Paying spans: day of the next entry into churned.")

    class Meta:
        indexes = [
            models.Index(fields=["stage", "start_day"], name="kpis_stagespan_start_idx"),
            models.Index(fields=["customer_id", "stage"], name="kpis_stagespan_cust_idx"),
            models.Index(fields=["end_day", "start_day"], name="kpis_stagespan_days_idx"),
            # Who was paying at a given day, with what followed (churn and retention).
            models.Index(
                fields=["end_day", "start_day"],
                include=["customer_id", "run_end_day", "rejoin_day", "churn_day"],
                condition=models.Q(stage__in=PAYING_STAGES),
                name="kpis_stagespan_paying_idx",
            ),
            # Entries into the five stages (the funnel).
            models.Index(
                fields=["start_day"],
                include=["stage", "prev_entry_day", "moved_on"],
                condition=models.Q(change_id__isnull=False, stage_rank__isnull=False),
                name="kpis_stagespan_entry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"customer {self.customer_id} in {self.stage}"


class TicketReplyDay(models.Model):
    """The public agent replies of one counted ticket, per local day and author.

    The ticket's facts sum them over its merge family; `replies_by_author` reads their rollup.
    """

    ticket_id = models.BigIntegerField()
    day = models.DateField()
    author_id = models.BigIntegerField(null=True)
    replies = models.IntegerField()
    first_us = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["ticket_id"], name="kpis_replyday_ticket_idx"),
            models.Index(
                fields=["day"], include=["ticket_id", "author_id", "replies"], name="kpis_replyday_day_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.replies} replies on {self.ticket_id} on {self.day}"


# ---- daily rollups -------------------------------------------------------------------------------
#
# Sums over the per-ticket tables per local day and per slice: `grouping` is a bit mask of the
# ticket dimensions that are part of the key (kpis.pipeline.rollups.DIMENSIONS order), the others
# hold "all" (-1 or '*'). A missing dimension value is 0 or ''. The slices stored are "all
# tickets" and one dimension at a time; the pipeline keeps them equal to the sums over the facts.


class Slice(models.Model):
    """A local day and a slice of the tickets: the key of every rollup row."""

    grouping = models.SmallIntegerField()
    day = models.DateField()
    team_id = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    assignee_id = models.BigIntegerField()
    priority = models.CharField(max_length=10)
    type = models.CharField(max_length=10)
    stage = models.CharField(max_length=16)

    class Meta:
        abstract = True


SLICE = ["grouping", "day", "team_id", "channel", "assignee_id", "priority", "type", "stage"]


class TicketRollup(Slice):
    """Ticket KPI sums per local day and slice (kpis.pipeline.rollups says what each one counts)."""

    # attributed to the creation day
    volume = models.BigIntegerField(default=0)
    frt_n = models.BigIntegerField(default=0)
    frt_sum = models.BigIntegerField(default=0)
    frt_b0 = models.BigIntegerField(default=0)
    frt_b1 = models.BigIntegerField(default=0)
    frt_b2 = models.BigIntegerField(default=0)
    frt_b3 = models.BigIntegerField(default=0)
    frt_b4 = models.BigIntegerField(default=0)
    unanswered = models.BigIntegerField(default=0)
    inbound = models.BigIntegerField(default=0)
    repeat = models.BigIntegerField(default=0)
    slafr_n = models.BigIntegerField(default=0)
    slafr_ok = models.BigIntegerField(default=0)
    slafr_late = models.BigIntegerField(default=0)
    slares_n = models.BigIntegerField(default=0)
    slares_ok = models.BigIntegerField(default=0)
    slares_late = models.BigIntegerField(default=0)
    # attributed to the solved day
    solved = models.BigIntegerField(default=0)
    resolution_sum = models.BigIntegerField(default=0)
    fcr_n = models.BigIntegerField(default=0)
    fcr_hit = models.BigIntegerField(default=0)
    reopened = models.BigIntegerField(default=0)
    # attributed to the rating day
    ratings = models.BigIntegerField(default=0)
    ratings_good = models.BigIntegerField(default=0)
    rating_sum = models.BigIntegerField(default=0)
    # unsolved spans: +1 on the day one starts, -1 on the day it ends
    backlog_delta = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=SLICE, name="kpis_ticketrollup_slice_uniq")]
        # The backlog before a range is a sum over all earlier days of one slice.
        indexes = [
            models.Index(
                fields=[*SLICE[:1], *SLICE[2:], "day"],
                name="kpis_ticketrollup_backlog_idx",
                condition=~models.Q(backlog_delta=0),
            )
        ]

    def __str__(self) -> str:
        return f"ticket sums of {self.day} ({self.grouping})"


class DurationRollup(models.Model):
    """How many first-response / resolution times of all tickets fall in each bucket, per day.

    Finds which bucket holds the median of a range without sorting the range; the exact value
    is then read from the facts of that bucket only (kpis.rollups).
    """

    metric = models.CharField(max_length=10)
    day = models.DateField()
    bucket = models.SmallIntegerField()
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "day", "bucket"], name="kpis_durationrollup_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.metric} bucket {self.bucket} of {self.day}"


class ReplyRollup(models.Model):
    """Public agent replies on counted tickets per author and local day (filtered questions read
    kpis.TicketReplyDay with the facts of the tickets)."""

    day = models.DateField()
    author_id = models.BigIntegerField()
    replies = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "author_id"], name="kpis_replyrollup_uniq")]

    def __str__(self) -> str:
        return f"replies of {self.author_id} on {self.day}"


class StageRollup(models.Model):
    """Stage spans starting (+1) and ending (-1) per local day: customers in a stage at the end of
    day d are the sum over every day up to d. Spans with no start count from `day` 0001-01-01."""

    day = models.DateField()
    stage = models.CharField(max_length=16)
    delta = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "stage"], name="kpis_stagerollup_uniq")]

    def __str__(self) -> str:
        return f"{self.stage} {self.delta:+d} on {self.day}"


class KpiVersion(models.Model):
    """Bumped in the transaction of every pipeline run that wrote: cached figures carry it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"KPI tables version {self.version}"


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


class WorkCustomer(models.Model):
    """Scratch: the customers one pipeline run recomputes (used only under the cursor lock)."""

    customer_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.customer_id)
