"""POST /inbound/messages/: the one webhook for chat, WhatsApp-, Facebook- and Twitter-style messages."""

import base64
import binascii

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import URLValidator
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import ApiTokenAuthentication
from api.permissions import IsStaff, ScopedResource

from ..models import ConversationLink
from ..services.attachments import max_attachment_bytes, max_attachments_per_message
from .services import ConversationBusy, InboundChatMessage, chat_message_receive

MAX_TEXT = 20_000


class SenderSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=255)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class AttachmentSerializer(serializers.Serializer):
    """Either `url` (stored as a link in the message, never fetched) or `data` (base64) with a filename."""

    url = serializers.CharField(
        required=False, max_length=2000, validators=[URLValidator(schemes=["http", "https"])]
    )
    data = serializers.CharField(required=False, trim_whitespace=False)
    filename = serializers.CharField(required=False, max_length=255, default="attachment")

    def validate(self, attrs):
        if ("url" in attrs) == ("data" in attrs):
            raise serializers.ValidationError("Give either a url or base64 data.")
        if "data" in attrs:
            try:
                raw = base64.b64decode(attrs["data"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise serializers.ValidationError({"data": "Not valid base64."}) from exc
            if not raw:
                raise serializers.ValidationError({"data": "The attached file is empty."})
            if len(raw) > max_attachment_bytes():
                limit = max_attachment_bytes() // (1024 * 1024)
                raise serializers.ValidationError({"data": f"An attachment may be at most {limit} MB."})
            attrs["file"] = SimpleUploadedFile(attrs["filename"], raw)
        return attrs


class InboundMessageSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ConversationLink.Channel.choices)
    conversation_id = serializers.CharField(max_length=255)
    sender = SenderSerializer()
    text = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
    attachments = AttachmentSerializer(many=True, required=False, default=list)
    idempotency_key = serializers.CharField(max_length=200)

    def validate_attachments(self, value):
        if len(value) > max_attachments_per_message():
            raise serializers.ValidationError(f"At most {max_attachments_per_message()} attachments.")
        return value

    def validate(self, attrs):
        if not attrs["text"].strip() and not attrs["attachments"]:
            raise serializers.ValidationError("A message needs text or an attachment.")
        return attrs

    def to_message(self) -> InboundChatMessage:
        data = self.validated_data
        return InboundChatMessage(
            channel=data["channel"],
            conversation_id=data["conversation_id"],
            sender_id=data["sender"]["id"],
            sender_name=data["sender"]["name"],
            sender_email=data["sender"]["email"],
            text=data["text"],
            links=[a["url"] for a in data["attachments"] if "url" in a],
            files=[a["file"] for a in data["attachments"] if "file" in a],
            idempotency_key=data["idempotency_key"],
        )


class ConversationSerializer(serializers.ModelSerializer):
    sender = serializers.SerializerMethodField()
    ticket = serializers.SerializerMethodField()

    class Meta:
        model = ConversationLink
        fields = ["channel", "conversation_id", "sender", "ticket", "updated_at"]

    def get_sender(self, link) -> dict:
        return {"id": link.sender_id, "name": link.sender_name}

    def get_ticket(self, link) -> dict:
        t = link.ticket
        return {"id": t.pk, "reference": t.reference, "status": t.status, "channel": t.channel}


class InboundResultSerializer(serializers.Serializer):
    created = serializers.BooleanField()
    message = serializers.IntegerField()
    conversation = ConversationSerializer()


REQUEST_EXAMPLE = {
    "channel": "whatsapp",
    "conversation_id": "wa-4915112345678",
    "sender": {"id": "4915112345678", "name": "Dana Levi", "email": "dana@example.com"},
    "text": "Hi, my order 1042 has not arrived.",
    "attachments": [
        {"url": "https://cdn.example.com/photo/881.jpg"},
        {"data": "aGVsbG8=", "filename": "receipt.txt"},
    ],
    "idempotency_key": "wamid.HBgLNDkxNTExMjM0NTY3OBUCABIYFDNB",
}
RESPONSE_EXAMPLE = {
    "created": True,
    "message": 812,
    "conversation": {
        "channel": "whatsapp",
        "conversation_id": "wa-4915112345678",
        "sender": {"id": "4915112345678", "name": "Dana Levi"},
        "ticket": {"id": 311, "reference": "HD-311", "status": "new", "channel": "social"},
        "updated_at": "2026-11-22T20:10:00Z",
    },
}
ERROR_EXAMPLE = {
    "code": "invalid",
    "message": "Invalid input: see errors.",
    "errors": {"channel": ['"sms" is not a valid choice.']},
}


class InboundMessageView(APIView):
    """Chat and social integrations deliver customer messages here."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated, IsStaff, ScopedResource]
    scope_resource = "tickets"

    @extend_schema(
        operation_id="inbound_message_create",
        tags=["inbound"],
        summary="Receive a chat or social message",
        description=(
            "One webhook for web chat, WhatsApp-, Facebook- and Twitter-style messages. Needs a token "
            "with `tickets:write`. A conversation (`channel` + `conversation_id`) threads into one "
            "ticket (channel `chat` for web chat, `social` for the others): a solved ticket is reopened "
            "by a new message, a closed one is final and a new ticket opens. Attachments are either "
            "`url` (stored as a link in the message, never fetched) or base64 `data`. Sending the same "
            "`idempotency_key` again stores nothing and answers 200 with `created: false`.\n\n"
            "**Replies**: agents' public replies are published as the `message.created` webhook event "
            '(Settings → Webhooks). Keep events with `message.sender == "agent"`, '
            '`message.kind == "public"` and `ticket.channel` in `chat`/`social`, then look up where to '
            "deliver with `GET /inbound/messages/conversations/?ticket=<ticket.id>`."
        ),
        request=InboundMessageSerializer,
        responses={201: InboundResultSerializer, 200: InboundResultSerializer},
        examples=[
            OpenApiExample("WhatsApp message", value=REQUEST_EXAMPLE, request_only=True),
            OpenApiExample("Stored", value=RESPONSE_EXAMPLE, response_only=True, status_codes=["201"]),
            OpenApiExample("Bad input", value=ERROR_EXAMPLE, response_only=True, status_codes=["400"]),
        ],
    )
    def post(self, request):
        serializer = InboundMessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inbound = serializer.to_message()
        try:
            message, created = chat_message_receive(message=inbound)
        except ConversationBusy:
            return Response(
                {
                    "code": "conversation_busy",
                    "message": "Another message of this conversation is being stored; retry.",
                    "errors": {},
                },
                status=status.HTTP_409_CONFLICT,
            )
        link = (
            ConversationLink.objects.select_related("ticket")
            .filter(channel=inbound.channel, conversation_id=inbound.conversation_id)
            .first()
        )
        if link is None:
            # The idempotency key was first used for a message of another conversation.
            return Response(
                {
                    "code": "idempotency_key_reused",
                    "message": "This idempotency key belongs to a message of another conversation.",
                    "errors": {"idempotency_key": ["Already used for another conversation."]},
                },
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        body = {"created": created, "message": message.pk, "conversation": ConversationSerializer(link).data}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ConversationLookupMixin:
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated, IsStaff, ScopedResource]
    scope_resource = "tickets"


class ConversationDetailView(ConversationLookupMixin, APIView):
    @extend_schema(
        operation_id="inbound_conversation_retrieve",
        tags=["inbound"],
        summary="The ticket a conversation threads into",
        responses=ConversationSerializer,
    )
    def get(self, request, channel: str, conversation_id: str):
        link = get_object_or_404(
            ConversationLink.objects.select_related("ticket"),
            channel=channel,
            conversation_id=conversation_id,
        )
        return Response(ConversationSerializer(link).data)


class ConversationForTicketView(ConversationLookupMixin, APIView):
    @extend_schema(
        operation_id="inbound_conversation_list",
        tags=["inbound"],
        summary="The conversations of a ticket (where to deliver an agent's reply)",
        parameters=[OpenApiParameter("ticket", int, required=True, description="Ticket id")],
        responses=ConversationSerializer(many=True),
    )
    def get(self, request):
        ticket = request.query_params.get("ticket", "")
        if not ticket.isdigit():
            return Response(
                {"code": "invalid", "message": "Give ?ticket=<id>.", "errors": {"ticket": ["A ticket id."]}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        links = (
            ConversationLink.objects.select_related("ticket")
            .filter(ticket_id=int(ticket))
            .order_by("pk")[:50]
        )
        return Response(ConversationSerializer(links, many=True).data)
