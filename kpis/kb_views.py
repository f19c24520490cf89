"""The lists behind the dashboard's "Self-service" figures, and their CSV files."""

import csv

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helpdesk.roles import OVERSIGHT_ROLES, role_required
from kb.insights import ARTICLE_ORDERS

from . import kb_dashboard as board
from .dashboard import query_string
from .exports import safe_cell
from .forms import RangeForm


def _span(request: HttpRequest) -> dict | None:
    form = RangeForm({k: v for k, v in request.GET.items() if k in ("from", "to")})
    order = request.GET.get("order", "views")
    if not form.is_valid() or order not in ARTICLE_ORDERS:
        return None
    return {
        "date_from": form.cleaned_data["date_from"],
        "date_to": form.cleaned_data["date_to"],
        "order": order,
    }


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1


def _list(request: HttpRequest, template: str, span: dict, page_and_rows: tuple, **context) -> HttpResponse:
    page_obj, rows = page_and_rows
    extra = {"order": span["order"]} if "order" in context else {}
    context.update(
        nav="dashboard",
        span=span,
        rows=rows,
        page_obj=page_obj,
        query_string=query_string(span["date_from"], span["date_to"], {}, **extra),
    )
    return render(request, template, context)


@role_required(*OVERSIGHT_ROLES)
@require_GET
def kb_searches(request: HttpRequest) -> HttpResponse:
    """Every query that found nothing in the range, most frequent first."""
    span = _span(request)
    if span is None:
        return HttpResponseBadRequest("Bad range: from and to are dates, from not after to.")
    page = board.search_page(span["date_from"], span["date_to"], _page_number(request))
    return _list(request, "kpis/kb_search_list.html", span, page)


@role_required(*OVERSIGHT_ROLES)
@require_GET
def kb_articles(request: HttpRequest) -> HttpResponse:
    """Articles by views, "not helpful" votes or deflected requests in the range."""
    span = _span(request)
    if span is None:
        return HttpResponseBadRequest(f"Bad range or order (one of {', '.join(ARTICLE_ORDERS)}).")
    page = board.article_page(span["date_from"], span["date_to"], span["order"], _page_number(request))
    orders = [
        (order, tab, board.list_url("kpis:kb_articles", span["date_from"], span["date_to"], order=order))
        for order, (_, tab) in board.ORDERS.items()
    ]
    heading = board.ORDERS[span["order"]][0]
    return _list(
        request, "kpis/kb_article_list.html", span, page, order=span["order"], heading=heading, orders=orders
    )


@role_required(*OVERSIGHT_ROLES)
@require_GET
def kb_export(request: HttpRequest, table: str) -> HttpResponse:
    if table not in board.TABLES:
        raise Http404("Unknown table.")
    span = _span(request)
    if span is None:
        return HttpResponseBadRequest("Bad range or order.")
    header, rows = board.table_rows(table, span["date_from"], span["date_to"], span["order"])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="kpis-{table}-{span["date_from"]}-{span["date_to"]}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return response
