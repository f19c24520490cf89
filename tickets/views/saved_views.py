"""An agent's own saved queue views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from helpdesk.roles import WORKSPACE_ROLES, role_required

from .. import services
from ..forms import SavedViewForm
from ..selectors import saved_views_for


@require_POST
@role_required(*WORKSPACE_ROLES)
def create(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the view a name of at most 100 characters.")
        return redirect("tickets:queue")
    try:
        saved = services.saved_view_create(owner=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"/tickets/?{form.cleaned_data['query']}")
    messages.success(request, f"Saved the view “{saved.name}”.")
    return redirect(f"/tickets/?{saved.query}")


@require_POST
@role_required(*WORKSPACE_ROLES)
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    # Someone else's view answers 404 like a missing one.
    saved = get_object_or_404(saved_views_for(user=request.user), pk=pk)
    services.saved_view_delete(saved_view=saved, by=request.user)
    messages.success(request, f"Deleted the view “{saved.name}”.")
    return redirect("tickets:queue")
