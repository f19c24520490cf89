"""The tickets API: every write goes through tickets.services, every read through the
permission-scoped selectors, so the API sees exactly what the same user sees in the workspace."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from api.idempotency import idempotent
from api.permissions import IsStaff
from helpdesk import roles

from .. import services
from ..filters import TicketFilter
from ..models import Attachment, CannedReply, Message, SatisfactionRating, Team, Ticket
from ..selectors import tickets_visible_to
from . import serializers as s


class TicketFilterBackend(DjangoFilterBackend):
    """The FilterSet only when the request names one of its filters: building it and its form for
    a request that sends none cost more than reading the page, and every filter passes empty
    values through (nothing is required), so the queryset is the same."""

    def filter_queryset(self, request, queryset, view):
        names = view.filterset_class.base_filters
        if not any(name in names for name in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat the same POST with the same key to get the first result and create nothing new.",
)


@extend_schema_view(
    list=extend_schema(summary="List tickets", description="Filter, search (`q`) and order; cursor-paged."),
    retrieve=extend_schema(summary="One ticket"),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    scope_resource = "tickets"
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsStaff]
    serializer_class = s.TicketSerializer
    filterset_class = TicketFilter
    filter_backends = [TicketFilterBackend, OrderingFilter]
    ordering_fields = ["id", "created_at", "updated_at", "priority"]
    ordering = ["-id"]

    def get_queryset(self):
        visible = tickets_visible_to(user=self.request.user)
        if self.action == "list":
            return visible  # read as rows of values (see list)
        return (
            visible.select_related("team", "assignee", "customer")
            # A plain list per row (tag_list): a related manager per ticket cost more than its tags.
            .prefetch_related(Prefetch("tags", to_attr="tag_list"))
        )

    def list(self, request):
        """A page of rows of plain values with their tag names (TicketSerializer.row_representation):
        model instances with their related objects cost more to build than the output they give."""
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginate_queryset(queryset.values(*s.TicketSerializer.ROW_FIELDS))
        tags = _tag_names(ticket_ids=[row["id"] for row in rows])
        serializer = self.get_serializer()
        return self.get_paginated_response(
            [serializer.row_representation(row, tags=tags.get(row["id"], [])) for row in rows]
        )

    @extend_schema(
        summary="Open a ticket",
        request=s.TicketCreateSerializer,
        responses={201: s.TicketSerializer},
        parameters=[IDEMPOTENCY],
    )
    @idempotent
    def create(self, request):
        data = self._valid(s.TicketCreateSerializer, request.data)
        ticket = services.ticket_create(by=request.user, body_html="", **data)
        # Answered from the ticket as ticket_create left it, holding its team and locked customer,
        # rather than read back: a new ticket's tags are the ones it was opened with.
        ticket.tag_list = list(ticket.tags.all()) if data.get("tags") else []
        return Response(s.TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change status, priority, type, assignee, team or tags",
        request=s.TicketUpdateSerializer,
        responses={200: s.TicketSerializer},
    )
    def partial_update(self, request, pk=None):
        ticket = self.get_object()
        data = self._valid(s.TicketUpdateSerializer, request.data)
        if data.get("assignee") is not None and not roles.is_staff_member(data["assignee"]):
            raise s.serializers.ValidationError({"assignee": ["Tickets can only be assigned to staff."]})
        with transaction.atomic():
            for field, change in _UPDATES.items():
                if field in data:
                    change(ticket=ticket, value=data[field], by=request.user)
        return Response(self._read(ticket))

    @extend_schema(summary="A ticket's messages", responses={200: s.MessageSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="messages")
    def messages(self, request, pk=None):
        ticket = self.get_object()
        page = self.paginate_queryset(
            Message.objects.filter(ticket=ticket)
            .select_related("author")
            .prefetch_related(Prefetch("attachments", Attachment.objects.order_by("pk")))
            .order_by("-id")
        )
        return self.get_paginated_response(s.MessageSerializer(page, many=True).data)

    @extend_schema(
        summary="Add a public reply or an internal note (multipart for attachments)",
        request=s.MessageCreateSerializer,
        responses={201: s.MessageSerializer},
        parameters=[IDEMPOTENCY],
    )
    @messages.mapping.post
    @idempotent
    def add_message(self, request, pk=None):
        ticket = self.get_object()
        data = self._valid(s.MessageCreateSerializer, request.data)
        add = services.ticket_reply if data["kind"] == "reply" else services.ticket_note
        message = add(
            ticket=ticket, by=request.user, body=data["body"], attachments=data.get("attachments", [])
        )
        return Response(s.MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Rate the ticket for the customer (a new rating replaces the old)",
        request=s.RatingSerializer,
        responses={201: s.RatingSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"], url_path="rating", scope_resource="ratings")
    @idempotent
    def rating(self, request, pk=None):
        ticket = self.get_object()
        data = self._valid(s.RatingSerializer, request.data)
        rating = services.ticket_rate(ticket=ticket, score=data["score"], comment=data.get("comment", ""))
        return Response(s.RatingSerializer(rating).data, status=status.HTTP_201_CREATED)

    def _valid(self, serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _read(self, ticket: Ticket) -> dict:
        """The ticket as the caller's write left it: not re-scoped, since an agent may file a ticket
        to another team, or move one there, and is then answered with what they did, not a 500."""
        fresh = Ticket.objects.select_related("team", "assignee", "customer").prefetch_related("tags")
        return s.TicketSerializer(fresh.get(pk=ticket.pk)).data


def _tag_names(*, ticket_ids: list[int]) -> dict[int, list[str]]:
    """{ticket id: its tag names, sorted as Tag's ordering sorts them}."""
    names: dict[int, list[str]] = {}
    pairs = Ticket.tags.through.objects.filter(ticket_id__in=ticket_ids).order_by("tag__name")
    for ticket_id, name in pairs.values_list("ticket_id", "tag__name"):
        names.setdefault(ticket_id, []).append(name)
    return names


_UPDATES = {
    "status": lambda *, ticket, value, by: services.ticket_set_status(ticket=ticket, status=value, by=by),
    "priority": lambda *, ticket, value, by: services.ticket_set_priority(
        ticket=ticket, priority=value, by=by
    ),
    "type": lambda *, ticket, value, by: services.ticket_set_type(ticket=ticket, type=value, by=by),
    "assignee": lambda *, ticket, value, by: services.ticket_assign(ticket=ticket, assignee=value, by=by),
    "team": lambda *, ticket, value, by: services.ticket_set_team(ticket=ticket, team=value, by=by),
    "tags": lambda *, ticket, value, by: services.ticket_set_tags(ticket=ticket, tags=value, by=by),
}


class RatingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Satisfaction ratings of the tickets the caller may see, newest first."""

    scope_resource = "ratings"
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsStaff]
    serializer_class = s.RatingSerializer

    def get_queryset(self):
        visible = tickets_visible_to(user=self.request.user).values("pk")
        return SatisfactionRating.objects.filter(ticket__in=visible).order_by("-id")


class CannedReplyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    scope_resource = "canned_replies"
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsStaff]
    serializer_class = s.CannedReplySerializer
    queryset = CannedReply.objects.filter(is_active=True).select_related("team").order_by("-id")


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    scope_resource = "teams"
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsStaff]
    serializer_class = s.TeamSerializer
    queryset = Team.objects.prefetch_related("members").order_by("-id")


class AgentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    scope_resource = "teams"
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsStaff]
    serializer_class = s.AgentSerializer

    def get_queryset(self):
        return (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=roles.STAFF_ROLES)
            .distinct()
            .prefetch_related("teams", "groups")
            .order_by("-id")
        )
