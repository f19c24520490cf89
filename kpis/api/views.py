from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import ScopedResource
from helpdesk.roles import OVERSIGHT_ROLES, has_role

from ..forms import RangeForm, parse_filters
from ..kb_metrics import KB_DIMENSIONS, KB_METRICS, by_problem, kb_metric, parse_kb_filters
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
    description=(
        "Answers the metric as defined in KPIS.md, in its API shape. Days are local days. "
        "The help-center metrics (article_views, helpful_ratio, searches_without_result, "
        "deflection_rate) are defined in kpis/kb_metrics.py and take only their own dimensions "
        "(category, article, language); any other dimension answers 400."
    ),
    parameters=[
        OpenApiParameter(
            "metric_name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[*METRICS, *KB_METRICS]
        ),
        OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default: 29 days before `to`)."),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, included (default: today)."),
        OpenApiParameter(
            "by", OpenApiTypes.STR, enum=[*DIMENSIONS, *KB_DIMENSIONS], description="Slice by a dimension."
        ),
        *[
            OpenApiParameter(name, OpenApiTypes.STR, description=f"Only {name} = value ('none' for missing).")
            for name in (*DIMENSIONS, *KB_DIMENSIONS)
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
    permission_classes = [IsAuthenticated, ScopedResource, IsOversight]
    scope_resource = "kpis"

    def get(self, request: Request, metric_name: str) -> Response:
        if metric_name in KB_METRICS:
            return Response(_kb_answer(metric_name, request.query_params))
        if metric_name not in METRICS:
            raise Http404(f"Unknown metric {metric_name!r}.")
        form = RangeForm(request.query_params, metric=metric_name)
        filters, errors = parse_filters(request.query_params, ignore=RANGE_PARAMS)
        errors.update(_range_errors(form))
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


def _range_errors(form: RangeForm) -> dict:
    if form.is_valid():
        return {}
    return {
        {"date_from": "from", "date_to": "to", "__all__": "non_field_errors"}.get(field, field): [
            p["message"] for p in problems
        ]
        for field, problems in form.errors.get_json_data().items()
    }


def _kb_answer(name: str, params) -> dict:
    """A help-center metric: the same range rules, its own dimensions (kpis/kb_metrics.py)."""
    form = RangeForm({k: v for k, v in params.items() if k != "by"}, metric=name)
    filters, errors = parse_kb_filters(name, params, ignore=RANGE_PARAMS)
    errors.update(_range_errors(form))
    by = params.get("by") or None
    if problem := by_problem(name, by):
        errors["by"] = [problem]
    if errors:
        raise ValidationError(errors)
    return kb_metric(
        name,
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
        by=by,
        filters=filters,
    )
