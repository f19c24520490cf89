"""The customers and lifecycle API: every write through lifecycle.services."""

from django.db import transaction
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.permissions import IsAdmin, IsOversight, IsStaff

from .. import services
from ..models import Customer, CustomerEmail, CustomerExternalId, StageChange
from ..selectors import customer_lookup
from ..services.bulk import customer_create
from ..services.touchpoints import EventInput, touchpoints_record_bulk
from . import serializers as s

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Repeat the same POST with the same key to get the first result and create nothing new.",
)


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(
        summary="List customers",
        parameters=[
            OpenApiParameter("stage", str, description="Only customers in this stage."),
            OpenApiParameter("q", str, description="Name, email address or external id contains."),
        ],
    ),
    retrieve=extend_schema(summary="One customer"),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    scope_resource = "customers"
    permission_classes = [*viewsets.GenericViewSet.permission_classes, IsStaff]
    serializer_class = s.CustomerSerializer

    def get_queryset(self):
        customers = Customer.objects.select_related("organization").prefetch_related(
            "emails", "phones", "external_ids"
        )
        if self.action != "list":
            return customers
        customers = customers.active()
        stage = self.request.query_params.get("stage")
        if stage:
            customers = customers.filter(stage=stage)
        text = self.request.query_params.get("q", "").strip()[:200]
        if text:
            customers = customers.filter(
                Q(display_name__icontains=text)
                | Q(
                    pk__in=CustomerEmail.objects.filter(address__icontains=text.lower()).values("customer_id")
                )
                | Q(pk__in=CustomerExternalId.objects.filter(external_id=text).values("customer_id"))
            )
        return customers

    @extend_schema(
        summary="Create a customer",
        request=s.CustomerCreateSerializer,
        responses={201: s.CustomerSerializer},
        parameters=[IDEMPOTENCY],
    )
    @idempotent
    def create(self, request):
        data = _valid(s.CustomerCreateSerializer, request.data)
        customer = customer_create(**data)
        return Response(self._read(customer), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a customer; listed emails, phones and external ids are added",
        request=s.CustomerWriteSerializer,
        responses={200: s.CustomerSerializer},
    )
    def partial_update(self, request, pk=None):
        customer = self.get_object()
        data = _valid(s.CustomerWriteSerializer, request.data)
        with transaction.atomic():
            organization = data.pop("organization", None)
            for address in data.pop("emails", []):
                if not customer.emails.filter(address=address.lower()).exists():
                    services.customer_email_add(customer=customer, address=address)
            for number in data.pop("phones", []):
                services.customer_phone_add(customer=customer, number=number)
            for external in data.pop("external_ids", []):
                services.customer_external_id_add(customer=customer, **external)
            services.customer_update(
                customer=customer,
                organization=services.organization_get_or_create(name=organization) if organization else None,
                clear_organization=organization == "",
                **data,
            )
        return Response(self._read(customer))

    @extend_schema(
        summary="Find a customer by email address, phone or external id (`source:id`)",
        parameters=[OpenApiParameter("value", str, required=True)],
        responses={200: s.CustomerSerializer},
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        customer = customer_lookup(value=request.query_params.get("value", "")[:300])
        if customer is None:
            raise NotFound("No customer has that address or id.")
        return Response(self._read(customer))

    @extend_schema(
        summary="Merge this customer into another (tickets, events and history move to it)",
        request=s.MergeSerializer,
        responses={200: s.CustomerSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def merge(self, request, pk=None):
        source = self.get_object()
        target = _valid(s.MergeSerializer, request.data)["into"]
        survivor = services.customer_merge(source=source, target=target, by=request.user)
        return Response(self._read(survivor))

    @extend_schema(
        summary="The customer's stage history (live rows, oldest first)",
        responses={200: s.StageChangeSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="stage-history")
    def stage_history(self, request, pk=None):
        customer = self.get_object()
        changes = (
            StageChange.objects.filter(customer=customer, superseded_at__isnull=True)
            .select_related("actor")
            .order_by("occurred_at", "id")
        )
        page = self.paginate_queryset(changes.order_by("-id"))
        return self.get_paginated_response(s.StageChangeSerializer(page, many=True).data)

    @extend_schema(
        summary="Everything about one customer, as one document (a data-access request)",
        description=(
            "Managers and admins; a token needs `privacy:read` (or `all`): `customers:read` is not "
            "enough, because the export holds every message of their tickets, internal notes included. "
            "Each export is recorded in the audit log. A customer merged into another answers 400: "
            "export the survivor, who holds all their data."
        ),
        responses={200: s.CustomerExportSerializer},
    )
    @action(
        detail=True,
        methods=["get"],
        scope_resource="privacy",
        permission_classes=[*permission_classes, IsOversight],
    )
    def export(self, request, pk=None):
        document = services.customer_export(
            customer=self.get_object(), by=request.user, ip_address=request.META.get("REMOTE_ADDR")
        )
        return Response(document)

    @extend_schema(
        summary="Erase (anonymise) the customer's personal data for good",
        description=(
            "Admins only; a token needs `privacy:write` (or `all`). Names, addresses, phone numbers, "
            "external ids, message bodies, raw emails, attachments and comments are removed or replaced "
            "by a tombstone; tickets, events, stage history and rating scores stay, so every KPI is "
            "unchanged. Audited with the reason. Erasing an erased customer changes nothing (200)."
        ),
        request=s.EraseSerializer,
        responses={200: s.CustomerSerializer},
        parameters=[IDEMPOTENCY],
    )
    @action(
        detail=True,
        methods=["post"],
        scope_resource="privacy",
        permission_classes=[*permission_classes, IsAdmin],
    )
    @idempotent
    def erase(self, request, pk=None):
        customer = self.get_object()
        reason = _valid(s.EraseSerializer, request.data)["reason"]
        erased = services.customer_erase(
            customer=customer, by=request.user, reason=reason, ip_address=request.META.get("REMOTE_ADDR")
        )
        return Response(self._read(erased))

    def _read(self, customer: Customer) -> dict:
        return s.CustomerSerializer(self.get_queryset().get(pk=customer.pk)).data


def _customer_of(item: dict, known: dict) -> Customer:
    """The customer an event names; `known` remembers those already found in this request
    (a batch usually names a few customers many times)."""
    key = _customer_key(item)
    if key not in known:
        known[key] = _find_customer(item)
    return known[key]


def _customer_key(item: dict) -> tuple:
    if item.get("customer"):
        return ("id", item["customer"])
    if item.get("customer_email"):
        return ("email", item["customer_email"].strip().lower())
    external = item["customer_external_id"]
    return ("external", external["source"], external["external_id"])


def _find_customer(item: dict) -> Customer:
    if item.get("customer"):
        customer = Customer.objects.filter(pk=item["customer"]).first()
        if customer is None:
            raise ValidationError({"customer": [f"No customer {item['customer']}."]})
        return customer
    if item.get("customer_email"):
        return services.customer_find_or_create(email=item["customer_email"])
    external = item["customer_external_id"]
    customer = customer_lookup(value=f"{external['source']}:{external['external_id']}")
    if customer is None:
        raise ValidationError({"customer_external_id": ["No customer has that external id."]})
    return customer


def _input(item: dict, known: dict) -> EventInput:
    return EventInput(
        customer=_customer_of(item, known),
        type=item["type"],
        occurred_at=item["occurred_at"],
        source=item["source"],
        idempotency_key=item.get("idempotency_key", ""),
        value=item.get("value"),
        data=item.get("data") or {},
    )


class EventView(APIView):
    """Record one lifecycle event (a touchpoint); the stage rules apply at the event's own time."""

    scope_resource = "customers"
    permission_classes = [*APIView.permission_classes, IsStaff]

    @extend_schema(
        summary="Record one lifecycle event",
        request=s.EventInSerializer,
        responses={201: s.EventOutSerializer, 200: s.EventOutSerializer},
        parameters=[IDEMPOTENCY],
    )
    @idempotent
    def post(self, request):
        item = _valid(s.EventInSerializer, request.data)
        with transaction.atomic():
            result = touchpoints_record_bulk(events=[_input(item, {})])
        event = (result.created or result.duplicates)[0]
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(s.EventOutSerializer(event).data, status=code)


class EventBulkView(APIView):
    """Up to 1,000 events in one request, recorded together (all or none)."""

    scope_resource = "customers"
    permission_classes = [*APIView.permission_classes, IsStaff]

    @extend_schema(
        summary="Record up to 1,000 lifecycle events",
        request=s.BulkEventsSerializer,
        responses={200: s.BulkResultSerializer},
        parameters=[IDEMPOTENCY],
    )
    @idempotent
    def post(self, request):
        items = _valid(s.BulkEventsSerializer, request.data)["events"]
        with transaction.atomic():
            inputs, known = [], {}
            for index, item in enumerate(items):
                try:
                    inputs.append(_input(item, known))
                except ValidationError as exc:
                    raise ValidationError({f"events[{index}]": exc.detail}) from exc
            result = touchpoints_record_bulk(events=inputs)
        return Response(
            {
                "created": len(result.created),
                "duplicates": len(result.duplicates),
                "events": [e.pk for e in result.created],
                "duplicate_events": [e.pk for e in result.duplicates],
            }
        )
