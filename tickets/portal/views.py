"""Portal pages. Customers only (staff get 403); every read goes through portal.selectors."""

import logging

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helpdesk.roles import CUSTOMER, role_required

from . import selectors, services
from .forms import MagicLinkForm, TicketAnswerForm, TicketOpenForm, TicketRateForm

logger = logging.getLogger(__name__)
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _form_errors(form, exc: ValidationError) -> None:
    for error in exc.messages:
        form.add_error(None, error)


def _cursor(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@require_GET
@role_required(CUSTOMER)
def home(request: HttpRequest) -> HttpResponse:
    tickets, next_cursor = selectors.portal_ticket_page(
        user=request.user, before=_cursor(request.GET.get("before"))
    )
    context = {
        "tickets": tickets,
        "next_cursor": next_cursor,
        "paged": "before" in request.GET,
        "nav": "portal",
    }
    return render(request, "portal/portal_home.html", context)


def deflection_ticket_submitted(request: HttpRequest, ticket_id: int) -> None:
    """Knowledge-base hook: tell kb a ticket was submitted after (maybe) reading suggestions.

    kb lives above tickets, so it is looked up by name and only when installed.
    """
    if not apps.is_installed("kb"):
        return
    if not request.session.session_key:
        request.session.save()
    record = import_string("kb.services.deflection_ticket_submitted")
    record(session_key=request.session.session_key, ticket_id=ticket_id)


@require_http_methods(["GET", "POST"])
@role_required(CUSTOMER)
def ticket_new(request: HttpRequest) -> HttpResponse:
    form = TicketOpenForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.portal_ticket_open(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            deflection_ticket_submitted(request, ticket.pk)
            messages.success(request, f"Thank you. Your request {ticket.reference} was received.")
            return redirect("portal:ticket_detail", pk=ticket.pk)
    status = 400 if request.method == "POST" else 200  # a POST that gets here has form errors
    return render(request, "portal/ticket_new.html", {"form": form, "nav": "portal"}, status=status)


def _detail(
    request: HttpRequest, ticket, *, answer_form=None, rate_form=None, status: int = 200
) -> HttpResponse:
    rating = getattr(ticket, "rating", None)
    context = {
        "ticket": ticket,
        "conversation": selectors.portal_messages(ticket=ticket),
        "answer_form": answer_form or TicketAnswerForm(),
        "rate_form": rate_form
        or TicketRateForm(initial={"score": rating.score, "comment": rating.comment} if rating else None),
        "rating": rating,
        "can_answer": ticket.status != ticket.Status.CLOSED and not ticket.merged_into_id,
        "can_rate": ticket.is_solved and not ticket.merged_into_id,
        "nav": "portal",
    }
    return render(request, "portal/ticket_detail.html", context, status=status)


@require_GET
@role_required(CUSTOMER)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.portal_ticket_get(user=request.user, pk=pk))


@require_POST
@role_required(CUSTOMER)
def ticket_answer(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.portal_ticket_get(user=request.user, pk=pk)
    form = TicketAnswerForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.portal_ticket_answer(user=request.user, ticket=ticket, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Your answer was sent.")
            return redirect("portal:ticket_detail", pk=ticket.pk)
    return _detail(request, ticket, answer_form=form, status=400)


@require_POST
@role_required(CUSTOMER)
def ticket_rate(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.portal_ticket_get(user=request.user, pk=pk)
    form = TicketRateForm(request.POST)
    if form.is_valid():
        try:
            services.portal_ticket_rate(ticket=ticket, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Thank you for your rating.")
            return redirect("portal:ticket_detail", pk=ticket.pk)
    return _detail(request, ticket, rate_form=form, status=400)


@require_GET
@role_required(CUSTOMER)
def attachment_download(request: HttpRequest, token: str) -> FileResponse:
    attachment = selectors.portal_attachment_get(user=request.user, token=token)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


@require_http_methods(["GET", "POST"])
def magic_link_request(request: HttpRequest) -> HttpResponse:
    form = MagicLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.portal_magic_link_request(
                email=form.cleaned_data["email"], client=_client_address(request)
            )
        except services.RateLimited:
            return render(
                request, "portal/magic_link_request.html", {"form": form, "rate_limited": True}, status=429
            )
        return render(request, "portal/magic_link_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "portal/magic_link_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
def magic_link_signin(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and POST signs in, so mail scanners that open links do not spend them."""
    if request.method == "GET":
        return render(request, "portal/magic_link_signin.html", {"token": token})
    try:
        user = services.portal_magic_link_redeem(token=token)
    except (ValidationError, PermissionDenied) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        return render(request, "portal/magic_link_signin.html", {"error": message}, status=400)
    login(request, user, backend=MODEL_BACKEND)
    return redirect("portal:home")
