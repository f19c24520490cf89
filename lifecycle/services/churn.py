"""The periodic churn rule, as set-based SQL: no Python loop over customers.

A paying customer with no activity for longer than the churn window churns at the moment the
window ran out (the same instant the rules give when a late event replays them), with a
StageChange of cause `rule`, and gets an exit survey if that moment is recent (its email is
queued by exit_surveys_dispatch, in bulk). The due customers are found through a partial index
on the start of their inactivity window (lifecycle_cust_inactive_idx) and churned a chunk at a
time, each chunk one statement and one short transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery, Value
from django.utils import timezone

from ..models import (
    PAYING_STAGES,
    Customer,
    ExitSurvey,
    LifecycleSettings,
    Stage,
    StageChange,
    inactivity_anchor,
)

STAGE_CHANGE_COLUMNS = (
    "customer_id",
    "from_stage",
    "to_stage",
    "occurred_at",
    "recorded_at",
    "cause",
    "reason",
)
SURVEY_COLUMNS = ("customer_id", "churned_at", "created_at", "expires_at", "reason", "comment")
CHUNK = 5000


def due_for_churn(*, now: datetime, days: int) -> QuerySet:
    """Paying customers whose inactivity window ran out before `now`, with their `deadline`."""
    return (
        Customer.objects.filter(merged_into__isnull=True, stage__in=PAYING_STAGES)
        .annotate(anchor=inactivity_anchor())
        .filter(anchor__lt=now - timedelta(days=days))
        .annotate(
            deadline=ExpressionWrapper(
                F("anchor") + Value(timedelta(days=days)), output_field=DateTimeField()
            )
        )
    )


def churn_inactive_customers(*, now: datetime | None = None, chunk: int = CHUNK) -> tuple[int, int]:
    """Churn every inactive paying customer; returns (customers churned, surveys opened)."""
    now = now or timezone.now()
    config = LifecycleSettings.load()
    days = config.churn_inactivity_days
    valid = timedelta(days=config.survey_valid_days)
    reason = f"No activity for {days} days"
    due = due_for_churn(now=now, days=days)
    if connection.vendor != "postgresql":
        with transaction.atomic():
            return _churn_generic(due=due, now=now, reason=reason, valid=valid)
    churned = opened = 0
    while True:
        with transaction.atomic():
            moved, asked = _churn_postgresql(due=due, now=now, reason=reason, valid=valid, chunk=chunk)
        churned, opened = churned + moved, opened + asked
        if moved < chunk:
            return churned, opened


def _churn_postgresql(
    *, due: QuerySet, now: datetime, reason: str, valid: timedelta, chunk: int
) -> tuple[int, int]:
    # One statement a chunk, the longest-inactive first (in the order of the index). Rows locked
    # by a concurrent event are skipped and churned (or not) next time; those churned leave the
    # partial index, so each chunk starts where the last one ended.
    select_sql, select_params = (
        due.select_for_update(skip_locked=True, of=("self",))
        .order_by("anchor")
        .values("id", "stage", "deadline")[:chunk]
        .query.sql_with_params()
    )
    customers, changes, surveys = (
        Customer._meta.db_table,
        StageChange._meta.db_table,
        ExitSurvey._meta.db_table,
    )
    sql = f"""
        WITH due AS ({select_sql}),
        moved AS (
            UPDATE {customers} c SET stage = %s, stage_since = due.deadline, updated_at = %s
            FROM due WHERE c.id = due.id
            RETURNING c.id AS customer_id, due.stage AS from_stage, due.deadline AS deadline
        ),
        changes AS (
            INSERT INTO {changes} ({", ".join(STAGE_CHANGE_COLUMNS)})
            SELECT customer_id, from_stage, %s, deadline, %s, %s, %s FROM moved
            RETURNING customer_id, occurred_at
        ),
        surveys AS (
            INSERT INTO {surveys} ({", ".join(SURVEY_COLUMNS)})
            SELECT ch.customer_id, ch.occurred_at, %s, %s, '', '' FROM changes ch
            WHERE ch.occurred_at >= %s AND NOT EXISTS (
                SELECT 1 FROM {surveys} s
                WHERE s.customer_id = ch.customer_id AND s.answered_at IS NULL AND s.expires_at > %s
            )
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM surveys)
    """  # noqa: S608 - table names come from the models, values are parameters
    params = (
        *select_params,
        Stage.CHURNED,
        now,
        Stage.CHURNED,
        now,
        StageChange.Cause.RULE,
        reason,
        now,
        now + valid,
        now - valid,
        now,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        churned, opened = cursor.fetchone()
    return churned, opened


def _churn_generic(*, due: QuerySet, now: datetime, reason: str, valid: timedelta) -> tuple[int, int]:
    # SQLite serialises writers (IMMEDIATE transactions), so three statements see one set.
    rows = due.annotate(
        c_to=Value(Stage.CHURNED),
        c_recorded=Value(now, output_field=DateTimeField()),
        c_cause=Value(StageChange.Cause.RULE),
        c_reason=Value(reason),
    ).values_list("id", "stage", "c_to", "deadline", "c_recorded", "c_cause", "c_reason")
    churned = _insert_select(StageChange, STAGE_CHANGE_COLUMNS, rows)
    new = StageChange.objects.filter(recorded_at=now, cause=StageChange.Cause.RULE, to_stage=Stage.CHURNED)
    Customer.objects.filter(pk__in=new.values("customer_id")).update(
        stage=Stage.CHURNED,
        stage_since=_deadline_of(new),
        updated_at=now,
    )
    open_survey = ExitSurvey.objects.filter(answered_at__isnull=True, expires_at__gt=now)
    surveys = (
        new.filter(occurred_at__gte=now - valid)
        .exclude(customer_id__in=open_survey.values("customer_id"))
        .annotate(
            s_created=Value(now, output_field=DateTimeField()),
            s_expires=Value(now + valid, output_field=DateTimeField()),
            s_reason=Value(""),
            s_comment=Value(""),
        )
        .values_list("customer_id", "occurred_at", "s_created", "s_expires", "s_reason", "s_comment")
    )
    opened = _insert_select(ExitSurvey, SURVEY_COLUMNS, surveys)
    return churned, opened


def _deadline_of(new: QuerySet):
    return Subquery(new.filter(customer_id=OuterRef("pk")).values("occurred_at")[:1])


def _insert_select(model, columns: tuple[str, ...], queryset: QuerySet) -> int:
    select_sql, params = queryset.query.sql_with_params()
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) {select_sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
