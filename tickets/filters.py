"""The ticket FilterSet, shared by the queue and the API.

It only narrows a queryset it is given: permission scoping happens before, in the selectors.
"""

import django_filters
from django.db.models import QuerySet

from helpdesk.roles import sees_all_teams
from lifecycle.models import Stage

from .models import Ticket
from .search import ticket_search
from .widgets import OneOfManySelect

NONE = "none"
ME = "me"


class TicketFilter(django_filters.FilterSet):
    # distinct=False: a column's values cannot repeat a row, and SELECT DISTINCT would make the
    # database sort every matching ticket instead of reading one page off an ordered index.
    status = django_filters.MultipleChoiceFilter(
        choices=Ticket.Status.choices, label="Status", widget=OneOfManySelect, distinct=False
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Ticket.Priority.choices, label="Priority", widget=OneOfManySelect, distinct=False
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

    def get_form_class(self):
        """The form class, built once per FilterSet class rather than on every page: its fields
        come from the declarations above alone (no choices read from the database), and each form
        made from it deep-copies them, so what one request changes on its form stays on it. A filter
        whose choices come from the database or the request would need its own form class: the
        test of this cache fails on one."""
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class

    def filter_team(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NONE:
            return queryset.filter(team__isnull=True)
        team_id = _int_or_none(value)
        queryset = queryset.filter(team_id=team_id)
        user = getattr(self.request, "user", None)
        if user is not None and not _works_team(user, team_id):
            # Of another team's tickets an agent sees only those assigned to them (the scoping
            # already says so); saying it again lets the database find them by assignee instead
            # of walking every ticket in the queue's order to find the few that pass.
            queryset = queryset.filter(assignee_id=user.pk)
        return queryset

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


def _works_team(user, team_id: int | None) -> bool:
    from .selectors import team_ids_for  # the selectors build on this FilterSet

    return sees_all_teams(user) or team_id in team_ids_for(user)


def _int_or_none(value: str) -> int | None:
    # An id that is not a number matches nothing rather than failing the page.
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def team_choices(teams) -> list[tuple[str, str]]:
    return [("", "Any team"), (NONE, "No team (triage)")] + [(str(team.pk), team.name) for team in teams]


def assignee_choices(agents) -> list[tuple[str, str]]:
    return [("", "Anyone"), (ME, "Me"), (NONE, "Unassigned")] + [
        (str(user.pk), user.get_full_name() or user.get_username()) for user in agents
    ]
