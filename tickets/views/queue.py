"""The ticket queue: built-in views, filters, sorting and keyset paging."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helpdesk.roles import WORKSPACE_ROLES, role_required

from ..directory import directory
from ..forms import BulkForm, SavedViewForm, style_queue_filters
from ..keyset import InvalidCursor
from ..selectors import PAGE_SIZES, QUEUE_VIEWS, SORTS, saved_views_for, ticket_queue


@require_GET
@role_required(*WORKSPACE_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    try:
        result = ticket_queue(user=request.user, params=request.GET, request=request)
    except InvalidCursor:
        return HttpResponseBadRequest("This page link is not valid. Go back to the first page of the queue.")
    listed = directory()
    agents = listed.agents
    context = {
        "nav": "tickets",
        "result": result,
        "filter_form": style_queue_filters(result.filterset, agents=agents, teams=listed.teams),
        "bulk_form": BulkForm(agents=agents),
        "save_form": SavedViewForm(initial={"query": request.GET.urlencode()}),
        "queue_views": QUEUE_VIEWS,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        "page_sizes": PAGE_SIZES,
        "saved_views": list(saved_views_for(user=request.user)),
    }
    template = (
        "tickets/_queue_results.html" if request.htmx and request.htmx.target == "queue-results" else None
    )
    return render(request, template or "tickets/ticket_queue.html", context)
