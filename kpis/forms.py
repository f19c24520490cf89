"""Validation of a KPI question (range, slicing, filters), shared by the API and the dashboard."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from lifecycle.models import Stage
from tickets.models import Ticket

from .selectors import DIMENSIONS, INT_DIMENSIONS, SLICEABLE

MAX_DAYS = 3 * 366
NONE = "none"
CHOICES = {
    "channel": Ticket.Channel.values,
    "priority": Ticket.Priority.values,
    "type": Ticket.Type.values,
    "stage": Stage.values,
}


def parse_filters(params, *, ignore=()) -> tuple[dict, dict]:
    """({dimension: value or None}, {parameter: error}) from query parameters; `none` means null."""
    filters, errors = {}, {}
    for name, raw in params.items():
        if name in ignore:
            continue
        if name not in DIMENSIONS:
            errors[name] = f"Unknown parameter; dimensions are {', '.join(DIMENSIONS)}."
            continue
        if raw == "":
            continue
        if raw == NONE:
            filters[name] = None
        elif name in INT_DIMENSIONS:
            if not raw.isdigit():
                errors[name] = f"{name} must be an id or 'none'."
                continue
            filters[name] = int(raw)
        elif raw in CHOICES[name]:
            filters[name] = raw
        else:
            errors[name] = f"Unknown {name} {raw!r}; one of {', '.join(CHOICES[name])} or 'none'."
    return filters, errors


class RangeForm(forms.Form):
    """`from`/`to` (both included, local days) and `by`; defaults to the last 30 days."""

    date_from = forms.DateField(required=False, label="From")
    date_to = forms.DateField(required=False, label="To")
    by = forms.ChoiceField(required=False, choices=[("", "—"), *[(d, d) for d in DIMENSIONS]])

    def __init__(self, data=None, *, metric: str = "", **kwargs):
        data = data.copy() if data is not None else {}
        for field in ("from", "to"):
            if field in data:
                data[f"date_{field}"] = data.get(field)
        super().__init__(data, **kwargs)
        self.metric = metric

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        date_to = cleaned.get("date_to") or today
        date_from = cleaned.get("date_from") or (date_to - timedelta(days=29))
        if "date_from" in self.errors or "date_to" in self.errors:
            return cleaned
        if date_from > date_to:
            raise forms.ValidationError("'from' must not be after 'to'.")
        if (date_to - date_from).days >= MAX_DAYS:
            raise forms.ValidationError(f"A range covers at most {MAX_DAYS} days.")
        by = cleaned.get("by") or None
        if (
            by
            and self.metric
            and self.metric not in SLICEABLE
            and not (self.metric == "stage_counts" and by == "stage")
        ):
            raise forms.ValidationError(f"{self.metric} cannot be sliced by {by}.")
        cleaned.update(date_from=date_from, date_to=date_to, by=by)
        return cleaned


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    length = (date_to - date_from).days + 1
    return date_from - timedelta(days=length), date_from - timedelta(days=1)


class DashboardForm(forms.Form):
    """The dashboard's range (a preset or custom days) and ticket filters."""

    PRESETS = (("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("custom", "Custom"))

    range = forms.ChoiceField(choices=PRESETS, required=False, initial="30", label="Range")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    team = forms.ChoiceField(required=False, label="Team")
    channel = forms.ChoiceField(required=False, label="Channel")
    assignee = forms.ChoiceField(required=False, label="Agent")
    priority = forms.ChoiceField(required=False, label="Priority")
    stage = forms.ChoiceField(required=False, label="Stage at open")

    def __init__(self, data=None, *, teams=(), agents=(), **kwargs):
        if data is not None:
            data = data.copy()
            for field in ("from", "to"):
                if field in data:
                    data[f"date_{field}"] = data.get(field)
        super().__init__(data, **kwargs)
        anything = [("", "All"), (NONE, "None")]
        self.fields["team"].choices = [*anything, *[(str(pk), name) for pk, name in teams]]
        self.fields["assignee"].choices = [*anything, *[(str(pk), name) for pk, name in agents]]
        self.fields["channel"].choices = [("", "All"), *Ticket.Channel.choices]
        self.fields["priority"].choices = [("", "All"), *Ticket.Priority.choices]
        self.fields["stage"].choices = [*anything, *Stage.choices]

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        preset = cleaned.get("range") or "30"
        if preset == "custom" or (cleaned.get("date_from") and not self.data.get("range")):
            date_to = cleaned.get("date_to") or today
            date_from = cleaned.get("date_from") or date_to - timedelta(days=29)
            preset = "custom"
        else:
            date_to, date_from = today, today - timedelta(days=int(preset) - 1)
        if date_from > date_to:
            raise forms.ValidationError("'From' must not be after 'To'.")
        if (date_to - date_from).days >= MAX_DAYS:
            raise forms.ValidationError(f"A range covers at most {MAX_DAYS} days.")
        raw = {name: cleaned.get(name) or "" for name in ("team", "channel", "assignee", "priority", "stage")}
        filters, errors = parse_filters(raw)
        for name, error in errors.items():
            self.add_error(name, error)
        cleaned.update(range=preset, date_from=date_from, date_to=date_to, filters=filters)
        return cleaned
