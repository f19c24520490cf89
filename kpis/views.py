import csv
from datetime import date

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from helpdesk.roles import OVERSIGHT_ROLES, role_required

from . import dashboard as board
from . import exports, kb_dashboard
from .figures import dashboard_figures
from .forms import DashboardForm, RangeForm, parse_filters
from .selectors import METRICS, SLICEABLE
from .services import kpis_export_record, kpis_refresh_if_eager, last_updated

DRILL_PARAMS = ("from", "to", "by", "part", "day", "page", "metric")
PARTS = ("", "hit", "breached")


def _dashboard_query(request: HttpRequest) -> tuple[DashboardForm, dict]:
    choices = board.filter_choices()
    form = DashboardForm(request.GET if request.GET else None, **choices)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data
    fallback = DashboardForm({"range": "30"}, **choices)
    fallback.is_valid()
    return form, fallback.cleaned_data


@role_required(*OVERSIGHT_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, query = _dashboard_query(request)
    kpis_refresh_if_eager()
    args = (query["date_from"], query["date_to"], query["filters"], timezone.now())
    context = {
        "nav": "dashboard",
        "form": form,
        "query": query,
        "days": (query["date_to"] - query["date_from"]).days + 1,
        **dashboard_figures(*args),
        "stage_columns": board.STAGE_COLUMNS,
        "self_service": kb_dashboard.section(query["date_from"], query["date_to"]),
        "export_query": board.query_string(query["date_from"], query["date_to"], query["filters"]),
        "last_updated": last_updated(),
    }
    return render(request, "kpis/dashboard.html", context)


def _drill_query(request: HttpRequest, name: str) -> dict | None:
    form = RangeForm(request.GET, metric=name)
    filters, errors = parse_filters(request.GET, ignore=DRILL_PARAMS)
    if not form.is_valid() or errors or (filters and name not in SLICEABLE and set(filters) != {"stage"}):
        return None
    day, part = request.GET.get("day") or "", request.GET.get("part", "")
    if part not in PARTS or (day and not _is_date(day)):
        return None
    return {**form.cleaned_data, "filters": filters, "part": part, "day": day}


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@role_required(*OVERSIGHT_ROLES)
def drill(request: HttpRequest, name: str) -> HttpResponse:
    if name not in METRICS:
        raise Http404("Unknown metric.")
    query = _drill_query(request, name)
    if query is None:
        return HttpResponseBadRequest("Bad range or filters.")
    kpis_refresh_if_eager()
    page_number = request.GET.get("page", "1")
    page = exports.drill_page(name, query, page_number=int(page_number) if page_number.isdigit() else 1)
    paginator = Paginator(range(page["total"]), exports.PAGE_SIZE)
    context = {
        "nav": "dashboard",
        "name": name,
        "label": board.METRIC_LABELS.get(name, name),
        "query": query,
        "page": page,
        "page_obj": paginator.get_page(page["number"]),
        "query_string": board.query_string(
            query["date_from"], query["date_to"], query["filters"], part=query["part"], day=query["day"]
        ),
    }
    return render(request, "kpis/drill_list.html", context)


@role_required(*OVERSIGHT_ROLES)
def export(request: HttpRequest, table: str) -> HttpResponse:
    if table not in exports.TABLES:
        raise Http404("Unknown table.")
    if table == "drill":
        name = request.GET.get("metric", "")
        query = _drill_query(request, name) if name in METRICS else None
    else:
        form, query = _dashboard_query(request)
        query = query if (not form.is_bound or form.is_valid()) else None
    if query is None:
        return HttpResponseBadRequest("Bad range or filters.")
    kpis_refresh_if_eager()
    metric = request.GET.get("metric", "")
    header, rows = exports.table_rows(table, query, now=timezone.now(), metric=metric)
    kpis_export_record(
        by=request.user,
        table=table,
        query=query,
        metric=metric,
        rows=len(rows),
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kpis-{table}-{query["date_from"]}-{query["date_to"]}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([exports.safe_cell(v) for v in row] for row in rows)
    return response
