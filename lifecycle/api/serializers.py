from rest_framework import serializers

from api.serializers import LocalDateTimeField, StrictSerializer

from ..models import Customer, Organization, StageChange, TouchpointEvent


class ExternalIdSerializer(StrictSerializer):
    source = serializers.CharField(max_length=64)
    external_id = serializers.CharField(max_length=255)


class CustomerSerializer(serializers.ModelSerializer):
    emails = serializers.SerializerMethodField()
    phones = serializers.SerializerMethodField()
    external_ids = serializers.SerializerMethodField()
    organization = serializers.CharField(source="organization.name", default=None)

    class Meta:
        model = Customer
        fields = [
            "id",
            "display_name",
            "emails",
            "phones",
            "external_ids",
            "organization",
            "preferred_language",
            "time_zone",
            "stage",
            "stage_since",
            "churn_risk_score",
            "churn_risk_reasons",
            "marketing_consent",
            "merged_into",
            "erased_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_emails(self, customer) -> list[str]:
        return [e.address for e in customer.emails.all()]

    def get_phones(self, customer) -> list[str]:
        return [p.number for p in customer.phones.all()]

    def get_external_ids(self, customer) -> list[dict]:
        return [{"source": x.source, "external_id": x.external_id} for x in customer.external_ids.all()]


class CustomerWriteSerializer(StrictSerializer):
    display_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    emails = serializers.ListField(child=serializers.EmailField(), max_length=20, required=False)
    phones = serializers.ListField(child=serializers.CharField(max_length=32), max_length=20, required=False)
    external_ids = ExternalIdSerializer(many=True, required=False)
    organization = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=True)
    preferred_language = serializers.CharField(max_length=16, required=False, allow_blank=True)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    marketing_consent = serializers.BooleanField(required=False)


class CustomerCreateSerializer(CustomerWriteSerializer):
    def validate(self, attrs):
        if not attrs.get("emails") and not attrs.get("external_ids"):
            raise serializers.ValidationError("Give at least one email address or external id.")
        return attrs


class MergeSerializer(StrictSerializer):
    into = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.active(), help_text="The surviving customer."
    )


class StageChangeSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = StageChange
        fields = [
            "id",
            "from_stage",
            "to_stage",
            "occurred_at",
            "recorded_at",
            "cause",
            "event",
            "actor",
            "reason",
        ]
        read_only_fields = fields


class EventInSerializer(StrictSerializer):
    """One touchpoint: the customer by id, email or external id (created from the email if unknown)."""

    customer = serializers.IntegerField(required=False, min_value=1)
    customer_email = serializers.EmailField(required=False)
    customer_external_id = ExternalIdSerializer(required=False)
    type = serializers.ChoiceField(TouchpointEvent.Type.choices)
    occurred_at = LocalDateTimeField()
    source = serializers.CharField(max_length=64, default="api")
    idempotency_key = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    data = serializers.DictField(required=False, default=dict)

    def validate_data(self, value: dict) -> dict:
        # PostgreSQL's jsonb refuses NUL (\u0000) in keys and strings: refuse it here, as a 400.
        pending = [value]
        while pending:
            item = pending.pop()
            if isinstance(item, dict):
                pending.extend([*item.keys(), *item.values()])
            elif isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, str) and "\x00" in item:
                raise serializers.ValidationError("Null characters are not allowed.")
        return value

    def validate(self, attrs):
        given = [k for k in ("customer", "customer_email", "customer_external_id") if attrs.get(k)]
        if len(given) != 1:
            raise serializers.ValidationError(
                "Name the customer once: customer, customer_email or customer_external_id."
            )
        return attrs


class EventOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = TouchpointEvent
        fields = [
            "id",
            "customer",
            "type",
            "occurred_at",
            "source",
            "idempotency_key",
            "value",
            "data",
            "recorded_at",
        ]
        read_only_fields = fields


class BulkEventsSerializer(StrictSerializer):
    events = EventInSerializer(many=True, allow_empty=False, max_length=1000)


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    events = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the new events.")
    duplicate_events = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids recorded earlier."
    )


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "domain"]


class EraseSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=500, help_text="Why the customer is erased (kept in the audit log), e.g. their request."
    )


# The export document (lifecycle.services.customer_export), described for the schema only.


class _ExportAttachmentSerializer(serializers.Serializer):
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    download_path = serializers.CharField(help_text="Staff download link (signed-in agents of the team).")


class _ExportMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(["public", "note", "system"])
    sender = serializers.ChoiceField(["agent", "customer", "system"])
    author = serializers.CharField(allow_null=True, help_text="Username of the agent or portal user.")
    channel = serializers.CharField()
    created_at = serializers.DateTimeField()
    body_text = serializers.CharField()
    body_html = serializers.CharField()
    attachments = _ExportAttachmentSerializer(many=True, help_text="Metadata only; files are not embedded.")


class _ExportRatingSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class _ExportTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    subject = serializers.CharField()
    requester_email = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.CharField()
    type = serializers.CharField()
    channel = serializers.CharField()
    direction = serializers.CharField()
    language = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    team = serializers.CharField(allow_null=True)
    assignee = serializers.CharField(allow_null=True)
    customer_stage_at_open = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    solved_at = serializers.DateTimeField(allow_null=True)
    merged_into = serializers.CharField(allow_null=True, help_text="Reference of the surviving ticket.")
    is_spam = serializers.BooleanField()
    rating = _ExportRatingSerializer(allow_null=True)
    messages = _ExportMessageSerializer(
        many=True, help_text="Public replies, internal notes and system messages."
    )
    conversations = serializers.ListField(
        child=serializers.DictField(), help_text="Chat or social conversations: channel, ids, sender name."
    )


class CustomerExportSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="helpdesk.customer-export/1")
    exported_at = serializers.DateTimeField()
    exported_by = serializers.CharField()
    customer = serializers.DictField(
        help_text="Profile: name, organization, language, time zone, consent, stage, churn risk, erased_at."
    )
    portal_account = serializers.DictField(allow_null=True, help_text="Their portal login, if any.")
    emails = serializers.ListField(child=serializers.DictField())
    phones = serializers.ListField(child=serializers.CharField())
    external_ids = ExternalIdSerializer(many=True)
    merged_customers = serializers.ListField(child=serializers.DictField(), help_text="Duplicates merged in.")
    stage_history = serializers.ListField(child=serializers.DictField())
    stage_corrections = serializers.ListField(child=serializers.DictField())
    touchpoints = serializers.ListField(
        child=serializers.DictField(), help_text="Lifecycle events with data."
    )
    exit_surveys = serializers.ListField(child=serializers.DictField())
    emails_sent = serializers.ListField(child=serializers.DictField(), help_text="Recipients and subjects.")
    tickets = _ExportTicketSerializer(many=True)
    messages_in_other_tickets = _ExportMessageSerializer(
        many=True, help_text="What they wrote into tickets that are not theirs (e.g. after a ticket merge)."
    )
    raw_emails = serializers.ListField(
        child=serializers.DictField(), help_text="Emails as received: metadata."
    )
    portal_sign_in_links = serializers.ListField(child=serializers.DictField())
