from rest_framework import serializers

from api.serializers import StrictSerializer

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
    occurred_at = serializers.DateTimeField()
    source = serializers.CharField(max_length=64, default="api")
    idempotency_key = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    data = serializers.DictField(required=False, default=dict)

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
