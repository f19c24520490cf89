"""Bulk actions on the tickets selected in the queue."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from helpdesk.roles import WORKSPACE_ROLES, role_required

from .. import services
from ..forms import BulkForm
from ..selectors import tickets_for_agent_by_ids, workspace_agents


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return redirect(target if safe and target.startswith("/tickets/") else "tickets:queue")


def _skipped_note(changed: int, tickets: list) -> str:
    if changed == len(tickets):
        return ""
    return " The others already had these values or refused them (closed, merged, status not allowed)."


@require_POST
@role_required(*WORKSPACE_ROLES)
def bulk_update(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST, agents=list(workspace_agents()))
    if not form.is_valid():
        for error in form.errors.get("tickets", []) or form.non_field_errors() or ["Check the bulk changes."]:
            messages.error(request, "Select at least one ticket." if "required" in error else error)
        return _back(request)
    # Ids the user may not see are silently left out, exactly as if they did not exist.
    tickets = list(tickets_for_agent_by_ids(user=request.user, ids=form.cleaned_data["tickets"]))
    try:
        changed = services.tickets_bulk_update(tickets=tickets, by=request.user, **form.changes())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        report = messages.success if changed == len(tickets) else messages.warning
        report(
            request,
            f"Updated {changed} of {len(tickets)} selected tickets." + _skipped_note(changed, tickets),
        )
    return _back(request)
