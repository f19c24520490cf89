"""The derived KPI tables as comparable values: incremental runs must leave what a full run builds."""

from kpis.models import (
    DurationRollup,
    ReplyRollup,
    StageRollup,
    StageSpan,
    TicketFact,
    TicketReplyDay,
    TicketRollup,
    UnsolvedSpan,
)


def _rows(model, order: list[str], measures: list[str] | None = None) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    rows = model.objects.order_by(*order).values_list(*fields)
    if measures is None:
        return list(rows)
    # An incremental run may leave a slice whose sums went back to zero; a full run has none.
    picks = [fields.index(m) for m in measures]
    return [r for r in rows if any(r[i] for i in picks)]


def _measures(model, key: list[str]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", *key)]


def derived_state() -> dict[str, list[tuple]]:
    slice_key = ["grouping", "day", "team_id", "channel", "assignee_id", "priority", "type", "stage"]
    return {
        "facts": _rows(TicketFact, ["ticket_id"]),
        "spans": _rows(UnsolvedSpan, ["ticket_id", "start_us"]),
        "reply_days": _rows(TicketReplyDay, ["ticket_id", "day", "author_id"]),
        "stage_spans": _rows(StageSpan, ["customer_id", "start_us", "change_id"]),
        "ticket_rollup": _rows(TicketRollup, slice_key, _measures(TicketRollup, slice_key)),
        "duration_rollup": _rows(DurationRollup, ["metric", "day", "bucket"], ["n"]),
        "reply_rollup": _rows(ReplyRollup, ["day", "author_id"], ["replies"]),
        "stage_rollup": _rows(StageRollup, ["day", "stage"], ["delta"]),
    }
