from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from api.serializers import StrictSerializer

from ..models import Attachment, CannedReply, Message, SatisfactionRating, Team, Ticket, reference_for

User = get_user_model()
MAX_BODY = 100_000


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name")

    class Meta:
        model = User
        fields = ["id", "username", "name"]


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


def _moments():
    """DateTimeField's ISO 8601 output (current time zone, "Z" for UTC) without its per-value checks.

    The stored moments are always aware; any other output format goes through the field itself.
    """
    field = serializers.DateTimeField()
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
        return field.to_representation
    zone = timezone.get_current_timezone()

    def moment(value):
        if not value:
            return None
        text = value.astimezone(zone).isoformat()
        return f"{text[:-6]}Z" if text.endswith("+00:00") else text

    return moment


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    team = TeamRefSerializer(read_only=True)
    assignee = UserRefSerializer(read_only=True)
    customer = CustomerRefSerializer(read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "url",
            "subject",
            "status",
            "priority",
            "channel",
            "direction",
            "type",
            "team",
            "assignee",
            "customer",
            "requester_email",
            "tags",
            "language",
            "customer_stage_at_open",
            "first_response_due_at",
            "resolution_due_at",
            "first_public_reply_at",
            "solved_at",
            "merged_into",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @cached_property
    def _moment(self):
        return _moments()

    @cached_property
    def _ticket_url_prefix(self) -> str:
        return f"{settings.SITE_URL}/tickets/"  # get_url

    def get_url(self, ticket: Ticket) -> str:
        return f"{self._ticket_url_prefix}{ticket.reference}/"

    # What a list row reads (QuerySet.values), each named by the path its declared field follows.
    ROW_FIELDS = (
        "id",
        "subject",
        "status",
        "priority",
        "channel",
        "direction",
        "type",
        "team_id",
        "team__name",
        "assignee_id",
        "assignee__username",
        "assignee__first_name",
        "assignee__last_name",
        "customer_id",
        "customer__display_name",
        "requester_email",
        "language",
        "customer_stage_at_open",
        "first_response_due_at",
        "resolution_due_at",
        "first_public_reply_at",
        "solved_at",
        "merged_into_id",
        "created_at",
        "updated_at",
    )

    def to_representation(self, ticket: Ticket) -> dict:
        """The declared fields' output, built directly: a page of 50 tickets through DRF's
        field-by-field machinery (nested serializers included) cost more than its queries.
        tests/api/test_tickets_api.py checks that both give the same output."""
        team, assignee, customer = ticket.team, ticket.assignee, ticket.customer
        tags = getattr(ticket, "tag_list", None)
        if tags is None:
            tags = ticket.tags.all()
        row = {name: getattr(ticket, name) for name in self.ROW_FIELDS if "__" not in name}
        row.update(
            {
                "team__name": team and team.name,
                "assignee__username": assignee and assignee.username,
                "assignee__first_name": assignee and assignee.first_name,
                "assignee__last_name": assignee and assignee.last_name,
                "customer__display_name": customer.display_name,
            }
        )
        return self.row_representation(row, tags=[tag.name for tag in tags])

    def row_representation(self, row: dict, *, tags: list[str]) -> dict:
        """The output for a row of ROW_FIELDS and the ticket's tag names (the list reads rows)."""
        moment = self._moment
        reference = reference_for(row["id"])
        assignee_id = row["assignee_id"]
        return {
            "id": row["id"],
            "reference": reference,
            "url": f"{self._ticket_url_prefix}{reference}/",
            "subject": row["subject"],
            "status": row["status"],
            "priority": row["priority"],
            "channel": row["channel"],
            "direction": row["direction"],
            "type": row["type"],
            "team": None if row["team_id"] is None else {"id": row["team_id"], "name": row["team__name"]},
            "assignee": None
            if assignee_id is None
            else {
                "id": assignee_id,
                "username": row["assignee__username"],
                # User.get_full_name
                "name": f"{row['assignee__first_name']} {row['assignee__last_name']}".strip(),
            },
            "customer": {"id": row["customer_id"], "name": row["customer__display_name"]},
            "requester_email": row["requester_email"],
            "tags": tags,
            "language": row["language"],
            "customer_stage_at_open": row["customer_stage_at_open"],
            "first_response_due_at": moment(row["first_response_due_at"]),
            "resolution_due_at": moment(row["resolution_due_at"]),
            "first_public_reply_at": moment(row["first_public_reply_at"]),
            "solved_at": moment(row["solved_at"]),
            "merged_into": row["merged_into_id"],
            "created_at": moment(row["created_at"]),
            "updated_at": moment(row["updated_at"]),
        }

    def declared_representation(self, ticket: Ticket) -> dict:
        """The same output through DRF's declared fields (what to_representation must equal)."""
        return super().to_representation(ticket)


def _tag_list() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=50, allow_blank=False), max_length=30, required=False
    )


class TicketCreateSerializer(StrictSerializer):
    subject = serializers.CharField(max_length=500)
    body = serializers.CharField(max_length=MAX_BODY)
    customer_email = serializers.EmailField()
    customer_name = serializers.CharField(max_length=200, required=False, default="")
    channel = serializers.ChoiceField(Ticket.Channel.choices, default=Ticket.Channel.API)
    direction = serializers.ChoiceField(Ticket.Direction.choices, default=Ticket.Direction.INBOUND)
    priority = serializers.ChoiceField(Ticket.Priority.choices, default=Ticket.Priority.NORMAL)
    type = serializers.ChoiceField(Ticket.Type.choices, default=Ticket.Type.QUESTION)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    tags = _tag_list()
    language = serializers.CharField(max_length=16, required=False, default="")


class TicketUpdateSerializer(StrictSerializer):
    """Only the fields sent are changed, each through its own service (and event)."""

    status = serializers.ChoiceField(Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(Ticket.Priority.choices, required=False)
    type = serializers.ChoiceField(Ticket.Type.choices, required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    tags = _tag_list()

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                "Send at least one of: status, priority, type, assignee, team, tags."
            )
        return attrs


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["token", "filename", "content_type", "size", "url"]

    def get_url(self, attachment: Attachment) -> str:
        return f"{settings.SITE_URL}/tickets/attachments/{attachment.token}/"


class MessageSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "kind",
            "sender",
            "author",
            "body_text",
            "body_html",
            "channel",
            "delivery_state",
            "attachments",
            "created_at",
        ]
        read_only_fields = fields


class MessageCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField([("reply", "Public reply"), ("note", "Internal note")])
    body = serializers.CharField(max_length=MAX_BODY)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)


class RatingSerializer(serializers.ModelSerializer):
    ticket = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = SatisfactionRating
        fields = ["id", "ticket", "score", "comment", "created_at"]
        read_only_fields = ["id", "ticket", "created_at"]
        extra_kwargs = {"score": {"min_value": 1, "max_value": 5}, "comment": {"max_length": 5000}}


class CannedReplySerializer(serializers.ModelSerializer):
    team = TeamRefSerializer(read_only=True)

    class Meta:
        model = CannedReply
        fields = ["id", "title", "body", "team", "set_status", "set_priority", "add_tags"]
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "members"]
        read_only_fields = fields


class AgentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name")
    teams = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "teams", "roles"]
        read_only_fields = fields

    def get_roles(self, user) -> list[str]:
        return sorted(group.name for group in user.groups.all())
