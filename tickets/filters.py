"""The ticket FilterSet, shared by the queue and the API.

It only narrows a queryset it is given: permission scoping happens before, in the selectors.
"""

import django_filters
from django import forms
from django.db.models import QuerySet

from lifecycle.models import Stage

from .models import Team, Ticket
from .search import ticket_search

NONE = "none"
ME = "me"


class OneOfManySelect(forms.Select):
    """A single dropdown for a multiple-choice filter: the UI picks one value, a URL may carry several."""

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        values = getter(name) if getter else [data.get(name)]
        return [value for value in values if value]


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Ticket.Status.choices, label="Status", widget=OneOfManySelect
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Ticket.Priority.choices, label="Priority", widget=OneOfManySelect
    )
    team = django_filters.CharFilter(method="filter_team", label="Team")
    assignee = django_filters.CharFilter(method="filter_assignee", label="Assignee")
    channel = django_filters.ChoiceFilter(choices=Ticket.Channel.choices, label="Channel")
    type = django_filters.ChoiceFilter(choices=Ticket.Type.choices, label="Type")
    tag = django_filters.CharFilter(method="filter_tag", label="Tag", max_length=50)
    stage = django_filters.ChoiceFilter(
        field_name="customer_stage_at_open", choices=Stage.choices, label="Stage at open"
    )
    q = django_filters.CharFilter(method="filter_text", label="Search", max_length=200)

    class Meta:
        model = Ticket
        fields = []

    def filter_team(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NONE:
            return queryset.filter(team__isnull=True)
        return queryset.filter(team_id=_int_or_none(value))

    def filter_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NONE:
            return queryset.filter(assignee__isnull=True)
        if value == ME:
            user = getattr(self.request, "user", None)
            return queryset.filter(assignee_id=getattr(user, "pk", None))
        return queryset.filter(assignee_id=_int_or_none(value))

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A ticket holds a tag at most once, so this join cannot duplicate rows.
        return queryset.filter(tags__name=value.strip().lower())

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return ticket_search(queryset, value)


def _int_or_none(value: str) -> int | None:
    # An id that is not a number matches nothing rather than failing the page.
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def team_choices() -> list[tuple[str, str]]:
    return [("", "Any team"), (NONE, "No team (triage)")] + [
        (str(pk), name) for pk, name in Team.objects.values_list("pk", "name")
    ]


def assignee_choices(agents) -> list[tuple[str, str]]:
    return [("", "Anyone"), (ME, "Me"), (NONE, "Unassigned")] + [
        (str(user.pk), user.get_full_name() or user.get_username()) for user in agents
    ]
