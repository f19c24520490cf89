from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from helpdesk import roles
from helpdesk.roles import role_required

from .forms import EndpointEditForm, EndpointForm
from .models import Delivery, Endpoint
from .services import delivery_resend, endpoint_create, endpoint_rotate_secret, endpoint_update

DELIVERIES_SHOWN = 100


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error("url" if "url" in form.fields else None, exc.messages)


@role_required(roles.ADMIN)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = endpoint_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Endpoint added. Copy its signing secret below.")
            return redirect("webhooks:endpoint_detail", pk=endpoint.pk)
    endpoints = Endpoint.objects.all()
    return render(
        request, "webhooks/endpoint_list.html", {"form": form, "endpoints": endpoints, "nav": "webhooks"}
    )


@role_required(roles.ADMIN)
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(Endpoint, pk=pk)
    initial = {
        "description": endpoint.description,
        "events": endpoint.events,
        "is_active": endpoint.is_active,
    }
    form = EndpointEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint_update(endpoint=endpoint, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:endpoint_detail", pk=endpoint.pk)
    deliveries = endpoint.deliveries.order_by("-id")[:DELIVERIES_SHOWN]
    context = {"endpoint": endpoint, "form": form, "deliveries": deliveries, "nav": "webhooks"}
    return render(request, "webhooks/endpoint_detail.html", context)


@require_POST
@role_required(roles.ADMIN)
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint_rotate_secret(endpoint=get_object_or_404(Endpoint, pk=pk), by=request.user)
    messages.success(request, "A new signing secret is in use from now on.")
    return redirect("webhooks:endpoint_detail", pk=pk)


@require_POST
@role_required(roles.ADMIN)
def delivery_resend_view(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    delivery_resend(delivery=delivery)
    messages.success(request, f"Delivery {delivery.pk} is being sent again.")
    return redirect("webhooks:endpoint_detail", pk=delivery.endpoint_id)
