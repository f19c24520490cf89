from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.roles import OVERSIGHT_ROLES, has_role

from ..forms import RangeForm, parse_filters
from ..selectors import DIMENSIONS, METRICS, SLICEABLE, metric
from ..services import kpis_refresh_if_eager
from .serializers import KpiAnswerSerializer, KpiErrorSerializer

RANGE_PARAMS = ("from", "to", "by", "format")


class IsOversight(BasePermission):
    message = "Only managers and admins may read KPIs."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, *OVERSIGHT_ROLES)


@extend_schema(
    summary="One KPI over a date range",
    description="Answers the metric as defined in KPIS.md, in its API shape. Days are local days.",
    parameters=[
        OpenApiParameter("metric_name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(METRICS)),
        OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: 29 days before `to`)."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: today)."),
        OpenApiParameter("by", OpenApiTypes.STR, enum=list(DIMENSIONS), description="Slice by a dimension."),
        *[
            OpenApiParameter(name, OpenApiTypes.STR, description=f"Only {name} = value ('none' for missing).")
            for name in DIMENSIONS
        ],
    ],
    responses={
        200: KpiAnswerSerializer,
        400: KpiErrorSerializer,
        403: KpiErrorSerializer,
        404: KpiErrorSerializer,
    },
)
class KpiMetricView(APIView):
    permission_classes = [IsOversight]

    def get(self, request: Request, metric_name: str) -> Response:
        if metric_name not in METRICS:
            raise Http404(f"Unknown metric {metric_name!r}.")
        form = RangeForm(request.query_params, metric=metric_name)
        filters, errors = parse_filters(request.query_params, ignore=RANGE_PARAMS)
        if not form.is_valid():
            for field, problems in form.errors.get_json_data().items():
                name = {"date_from": "from", "date_to": "to", "__all__": "non_field_errors"}.get(field, field)
                errors[name] = [p["message"] for p in problems]
        if filters and metric_name not in SLICEABLE:
            errors["filters"] = f"{metric_name} cannot be filtered by ticket dimensions."
        if errors:
            raise ValidationError(errors)
        kpis_refresh_if_eager()
        answer = metric(
            metric_name,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
            by=form.cleaned_data["by"],
            filters=filters,
            now=timezone.now(),
        )
        return Response(answer)
