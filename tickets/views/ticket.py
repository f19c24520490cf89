"""The ticket page: the conversation, the composer, the controls and the customer sidebar."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from helpdesk.roles import WORKSPACE_ROLES, role_required

from .. import services
from ..forms import ComposerForm, TicketFieldsForm
from ..models import Team, Ticket
from ..presence import VIEWING, presence_heartbeat, presence_others
from ..selectors import (
    canned_replies_for,
    ticket_for_agent,
    ticket_page,
    visible_ticket_id,
    workspace_agents,
)


def _ticket_or_404(request: HttpRequest, reference: str) -> Ticket:
    try:
        return ticket_for_agent(user=request.user, reference=reference)
    except Ticket.DoesNotExist as missing:
        # 404, never 403: other teams' ticket numbers are not confirmed to exist.
        raise Http404("No such ticket.") from missing


def _render_page(
    request, ticket, *, composer=None, fields_form=None, collision=None, status=200, others=None
):
    page = ticket_page(user=request.user, ticket=ticket)
    context = {
        "nav": "tickets",
        "page": page,
        "ticket": ticket,
        "composer": composer or ComposerForm(initial={"seen_message_id": page.last_public_message_id}),
        "fields_form": fields_form
        or TicketFieldsForm.for_ticket(
            ticket, tag_names=page.tag_names, agents=page.agents, teams=page.teams
        ),
        "collision": collision,
        "others": presence_others(ticket_id=ticket.pk, user=request.user) if others is None else others,
        "customer_url": _customer_url(ticket.customer_id),
    }
    return render(request, "tickets/ticket_detail.html", context, status=status)


def _customer_url(customer_id: int) -> str:
    try:
        return reverse("lifecycle:customer_detail", args=[customer_id])
    except NoReverseMatch:
        return f"/customers/{customer_id}/"


@require_GET
@role_required(*WORKSPACE_ROLES)
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_or_404(request, reference)
    others = presence_heartbeat(ticket_id=ticket.pk, user=request.user, state=VIEWING)
    return _render_page(request, ticket, others=others)


@require_POST
@role_required(*WORKSPACE_ROLES)
def compose(request: HttpRequest, reference: str) -> HttpResponse:
    """Send a public reply or add an internal note; a reply that missed a newer message is held back."""
    ticket = _ticket_or_404(request, reference)
    form = ComposerForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_page(request, ticket, composer=form, status=400)
    data, files = form.cleaned_data, request.FILES.getlist("attachments")
    try:
        if data["kind"] == "note":
            services.ticket_note(ticket=ticket, by=request.user, body=data["body"], attachments=files)
        else:
            services.ticket_reply(
                ticket=ticket,
                by=request.user,
                body=data["body"],
                attachments=files,
                seen_message_id=data["seen_message_id"],
            )
    except services.ReplyCollision as collision:
        return _held_back(request, ticket, form, collision)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_page(request, ticket, composer=form, status=400)
    messages.success(request, "Internal note added." if data["kind"] == "note" else "Reply sent.")
    return redirect("tickets:detail", reference=ticket.reference)


def _held_back(request, ticket, form, collision) -> HttpResponse:
    """Re-render with the draft kept; sending again now acknowledges the newer messages."""
    newest = max(m.pk for m in collision.newer_messages)
    draft = ComposerForm(initial={**form.cleaned_data, "seen_message_id": newest})
    return _render_page(request, ticket, composer=draft, collision=collision.newer_messages, status=409)


@require_POST
@role_required(*WORKSPACE_ROLES)
def update(request: HttpRequest, reference: str) -> HttpResponse:
    """Apply the ticket controls: each changed field goes through its own service, all or nothing."""
    ticket = _ticket_or_404(request, reference)
    form = TicketFieldsForm(request.POST, agents=list(workspace_agents()), teams=list(Team.objects.all()))
    if not form.is_valid():
        return _render_page(request, ticket, fields_form=form, status=400)
    try:
        with transaction.atomic():
            changed = _apply_fields(ticket, form, by=request.user)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_page(request, ticket, fields_form=form, status=400)
    if visible_ticket_id(user=request.user, reference=ticket.reference) is None:
        # Moved to a team the agent is not in: back to the queue, not to a page they may no longer see.
        messages.success(request, f"{ticket.reference} was moved to {ticket.team}; it has left your queue.")
        return redirect("tickets:queue")
    messages.success(request, "Ticket updated." if changed else "Nothing to change.")
    return redirect("tickets:detail", reference=ticket.reference)


def _apply_fields(ticket: Ticket, form: TicketFieldsForm, *, by) -> bool:
    data, team, assignee = form.cleaned_data, form.cleaned_team(), form.cleaned_assignee()
    kw = {"ticket": ticket, "by": by}
    current_tags = sorted(tag.name for tag in ticket.tags.all())
    # Status last: a ticket being solved keeps the other changes made in the same save.
    steps = [
        (ticket.team_id != getattr(team, "pk", None), lambda: services.ticket_set_team(team=team, **kw)),
        (ticket.assignee_id != getattr(assignee, "pk", None), lambda: services.ticket_assign(assignee=assignee, **kw)),  # noqa: E501
        (ticket.priority != data["priority"], lambda: services.ticket_set_priority(priority=data["priority"], **kw)),  # noqa: E501
        (ticket.type != data["type"], lambda: services.ticket_set_type(type=data["type"], **kw)),
        (current_tags != sorted(data["tags"]), lambda: services.ticket_set_tags(tags=data["tags"], **kw)),
        (ticket.status != data["status"], lambda: services.ticket_set_status(status=data["status"], **kw)),
    ]  # fmt: skip
    changed = [call for differs, call in steps if differs]
    for call in changed:
        call()
    return bool(changed)


@require_POST
@role_required(*WORKSPACE_ROLES)
def assign_to_me(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_or_404(request, reference)
    try:
        services.ticket_assign(ticket=ticket, assignee=request.user, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{ticket.reference} is assigned to you.")
    return redirect("tickets:detail", reference=ticket.reference)


@require_POST
@role_required(*WORKSPACE_ROLES)
def solve(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_or_404(request, reference)
    try:
        services.ticket_set_status(ticket=ticket, status=Ticket.Status.SOLVED, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{ticket.reference} is solved.")
    return redirect("tickets:detail", reference=ticket.reference)


def _canned_or_404(ticket: Ticket, raw_id) -> object:
    try:
        pk = int(raw_id)
    except (TypeError, ValueError) as error:
        raise Http404("No such canned reply.") from error
    found = [c for c in canned_replies_for(ticket=ticket) if c.pk == pk]
    if not found:
        raise Http404("No such canned reply.")
    return found[0]


@require_GET
@role_required(*WORKSPACE_ROLES)
def canned_preview(request: HttpRequest, reference: str) -> HttpResponse:
    """The chosen canned reply with its placeholders filled for this ticket, ready to insert."""
    ticket = _ticket_or_404(request, reference)
    if not request.GET.get("canned_reply"):
        return render(request, "tickets/_canned_preview.html", {"ticket": ticket})
    canned = _canned_or_404(ticket, request.GET.get("canned_reply"))
    text = services.canned_reply_render(canned_reply=canned, ticket=ticket, agent=request.user)
    return render(request, "tickets/_canned_preview.html", {"ticket": ticket, "canned": canned, "text": text})


@require_POST
@role_required(*WORKSPACE_ROLES)
def canned_apply(request: HttpRequest, reference: str, canned_id: int) -> HttpResponse:
    """Send the canned reply as it is and apply its status, priority and tags."""
    ticket = _ticket_or_404(request, reference)
    canned = _canned_or_404(ticket, canned_id)
    form = ComposerForm(request.POST)
    seen = form.fields["seen_message_id"].clean(request.POST.get("seen_message_id") or None)
    try:
        services.canned_reply_apply(ticket=ticket, canned_reply=canned, by=request.user, seen_message_id=seen)
    except services.ReplyCollision as collision:
        text = services.canned_reply_render(canned_reply=canned, ticket=ticket, agent=request.user)
        form = ComposerForm({"kind": "reply", "body": text})
        form.is_valid()
        return _held_back(request, ticket, form, collision)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Sent “{canned.title}”.")
    return redirect("tickets:detail", reference=ticket.reference)


@require_POST
@role_required(*WORKSPACE_ROLES)
def presence(request: HttpRequest, reference: str) -> HttpResponse:
    """Heartbeat of an open ticket page; answers with who else has it open."""
    ticket_id = visible_ticket_id(user=request.user, reference=reference)
    if ticket_id is None:
        raise Http404("No such ticket.")
    others = presence_heartbeat(
        ticket_id=ticket_id, user=request.user, state=request.POST.get("state", VIEWING)
    )
    return render(request, "tickets/_presence.html", {"others": others})
