"""Forms of the agent workspace: they validate shape; the views hand cleaned data to services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from .filters import NONE, TicketFilter, assignee_choices, team_choices
from .models import SavedView, Ticket
from .widgets import FastSelect, OneOfManySelect

MAX_TAGS = 20


def bootstrap(form: forms.Form, *, small: bool = True) -> forms.Form:
    """Give every widget its Bootstrap class (the templates lay fields out by hand)."""
    size = " form-select-sm" if small else ""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.RadioSelect | forms.CheckboxInput):
            continue
        if isinstance(widget, forms.Select):
            css = "form-select" + size
        else:
            css = "form-control" + (" form-control-sm" if small else "")
        widget.attrs["class"] = css
    return form


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the services check each file's size and the count."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files if item]


def style_queue_filters(filterset: TicketFilter, *, agents, teams) -> forms.Form:
    """The FilterSet's form with selects for team and assignee, and compact Bootstrap widgets."""
    form = filterset.form
    form.fields["team"].widget = FastSelect(choices=team_choices(teams))
    form.fields["assignee"].widget = FastSelect(choices=assignee_choices(agents))
    form.fields["q"].widget = forms.TextInput(
        attrs={"type": "search", "placeholder": "Words, HD-123 or an email", "data-shortcut": "search"}
    )
    for name, any_label, widget in (
        ("status", "Any status", OneOfManySelect),
        ("priority", "Any priority", OneOfManySelect),
        ("channel", "Any channel", FastSelect),
        ("type", "Any type", FastSelect),
        ("stage", "Any stage", FastSelect),
    ):
        choices = [c for c in form.fields[name].choices if c[0]]
        form.fields[name].widget = widget(choices=[("", any_label), *choices])
    return bootstrap(form)


def parse_tags(raw: str) -> list[str]:
    """Comma- or space-separated tag names, lower-cased, de-duplicated, in the order given."""
    names: list[str] = []
    for part in (raw or "").replace(",", " ").split():
        name = part.strip().lower()
        if len(name) > 50:
            raise ValidationError(f"A tag has at most 50 characters: {name[:20]}…")
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags at a time.")
    return names


class TagField(forms.CharField):
    def to_python(self, value):
        return parse_tags(super().to_python(value))


class BulkForm(forms.Form):
    """What to change on the selected tickets; empty fields leave that value alone."""

    tickets = forms.TypedMultipleChoiceField(coerce=int, label="Tickets")
    assignee = forms.ChoiceField(label="Assign to", required=False, widget=FastSelect)
    status = forms.ChoiceField(
        label="Set status",
        required=False,
        choices=[("", "Keep status"), *Ticket.Status.choices],
        widget=FastSelect,
    )
    priority = forms.ChoiceField(
        label="Set priority",
        required=False,
        choices=[("", "Keep priority"), *Ticket.Priority.choices],
        widget=FastSelect,
    )
    add_tags = TagField(label="Add tags", required=False, max_length=500)

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.agents = {user.pk: user for user in agents}
        self.fields["assignee"].choices = [("", "Keep assignee"), (NONE, "Nobody (unassign)")] + [
            (str(pk), user.get_full_name() or user.get_username()) for pk, user in self.agents.items()
        ]
        # Any id is a valid choice here; the selector drops ids the user may not see. Longer
        # numbers than a 64-bit key are refused (SQLite cannot even compare them).
        self.fields["tickets"].valid_value = lambda value: str(value).isdigit() and len(str(value)) <= 18
        bootstrap(self)

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("assignee", "status", "priority", "add_tags")):
            raise ValidationError("Choose at least one change to make.")
        return data

    def changes(self) -> dict:
        """Keyword arguments for tickets_bulk_update (only the fields that were chosen)."""
        data, changes = self.cleaned_data, {}
        if data["assignee"]:
            changes["assignee"] = None if data["assignee"] == NONE else self.agents[int(data["assignee"])]
        if data["status"]:
            changes["status"] = data["status"]
        if data["priority"]:
            changes["priority"] = data["priority"]
        if data["add_tags"]:
            changes["add_tags"] = data["add_tags"]
        return changes


class SavedViewForm(forms.Form):
    name = forms.CharField(label="Name of this view", max_length=100)
    query = forms.CharField(max_length=SavedView._meta.get_field("query").max_length, required=False)

    def clean_query(self) -> str:
        # Only the filters are kept: a cursor would pin the view to one page.
        query = QueryDict(self.cleaned_data.get("query", ""), mutable=True)
        for key in ("after", "before", "csrfmiddlewaretoken"):
            query.pop(key, None)
        return query.urlencode()


class ComposerForm(forms.Form):
    KIND_CHOICES = [("reply", "Public reply"), ("note", "Internal note")]

    kind = forms.ChoiceField(choices=KIND_CHOICES, initial="reply", widget=forms.RadioSelect, label="Type")
    body = forms.CharField(
        label="Message",
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto", "data-shortcut": "composer"}),
    )
    attachments = MultipleFileField(label="Attachments", required=False)
    seen_message_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self, small=False)


class TicketFieldsForm(forms.Form):
    """The ticket page's controls; only fields that differ from the ticket are changed."""

    status = forms.ChoiceField(label="Status", choices=Ticket.Status.choices, widget=FastSelect)
    priority = forms.ChoiceField(label="Priority", choices=Ticket.Priority.choices, widget=FastSelect)
    assignee = forms.ChoiceField(label="Assignee", required=False, widget=FastSelect)
    team = forms.ChoiceField(label="Team", required=False, widget=FastSelect)
    type = forms.ChoiceField(label="Type", choices=Ticket.Type.choices, widget=FastSelect)
    tags = TagField(label="Tags", required=False, max_length=1000, help_text="Separated by spaces or commas.")

    def __init__(self, *args, agents=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agents = {user.pk: user for user in agents}
        self.teams = {team.pk: team for team in teams}
        self.fields["assignee"].choices = [("", "Unassigned")] + [
            (str(pk), user.get_full_name() or user.get_username()) for pk, user in self.agents.items()
        ]
        self.fields["team"].choices = [("", "No team (triage)")] + [
            (str(pk), team.name) for pk, team in self.teams.items()
        ]
        bootstrap(self)

    @classmethod
    def for_ticket(cls, ticket: Ticket, *, tag_names: list[str], **kwargs) -> TicketFieldsForm:
        initial = {
            "status": ticket.status,
            "priority": ticket.priority,
            "assignee": str(ticket.assignee_id or ""),
            "team": str(ticket.team_id or ""),
            "type": ticket.type,
            "tags": " ".join(tag_names),
        }
        return cls(initial=initial, **kwargs)

    def cleaned_assignee(self):
        value = self.cleaned_data["assignee"]
        return self.agents[int(value)] if value else None

    def cleaned_team(self):
        value = self.cleaned_data["team"]
        return self.teams[int(value)] if value else None


class TicketNewForm(forms.Form):
    """An agent opens a ticket: a customer who called or wrote elsewhere, or one the agent reaches out to."""

    DIRECTION_CHOICES = [
        (Ticket.Direction.INBOUND, "The customer contacted us"),
        (Ticket.Direction.OUTBOUND, "We write to the customer"),
    ]
    CHANNEL_CHOICES = [
        (value, label) for value, label in Ticket.Channel.choices if value not in {"api", "portal"}
    ]

    direction = forms.ChoiceField(
        label="Who started it", choices=DIRECTION_CHOICES, initial=Ticket.Direction.INBOUND
    )
    channel = forms.ChoiceField(label="Channel", choices=CHANNEL_CHOICES, initial=Ticket.Channel.PHONE)
    customer_email = forms.EmailField(label="Customer email", max_length=254)
    customer_name = forms.CharField(label="Customer name", max_length=200, required=False)
    subject = forms.CharField(label="Subject", max_length=500, widget=forms.TextInput(attrs={"dir": "auto"}))
    body = forms.CharField(
        label="Message",
        max_length=100_000,
        help_text="What the customer said, or what you write to them (emailed when the channel is email).",
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
    )
    priority = forms.ChoiceField(label="Priority", choices=Ticket.Priority.choices, initial="normal")
    type = forms.ChoiceField(label="Type", choices=Ticket.Type.choices, initial="question")
    team = forms.ChoiceField(label="Team", required=False)
    assignee = forms.ChoiceField(label="Assignee", required=False)
    tags = TagField(label="Tags", required=False, max_length=1000, help_text="Separated by spaces or commas.")
    attachments = MultipleFileField(label="Attachments", required=False)

    def __init__(self, *args, agents=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agents = {user.pk: user for user in agents}
        self.teams = {team.pk: team for team in teams}
        self.fields["assignee"].choices = [("", "Unassigned")] + [
            (str(pk), user.get_full_name() or user.get_username()) for pk, user in self.agents.items()
        ]
        self.fields["team"].choices = [("", "No team (triage)")] + [
            (str(pk), team.name) for pk, team in self.teams.items()
        ]
        bootstrap(self, small=False)

    def cleaned_assignee(self):
        value = self.cleaned_data["assignee"]
        return self.agents[int(value)] if value else None

    def cleaned_team(self):
        value = self.cleaned_data["team"]
        return self.teams[int(value)] if value else None


class TicketMergeForm(forms.Form):
    target = forms.CharField(
        label="Merge into ticket",
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "HD-123", "autocomplete": "off"}),
        help_text="This ticket's conversation moves there, and this ticket is closed.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)
