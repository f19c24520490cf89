"""Agents open tickets themselves (a phone call, a message on another channel, or reaching out),
and merge a duplicate into another ticket."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk.roles import ADMIN, AGENT, MANAGER, WORKSPACE_ROLES, role_required, sees_all_teams

from .. import services
from ..forms import TicketMergeForm, TicketNewForm
from ..models import Team, Ticket
from ..selectors import team_ids_for, ticket_for_agent, workspace_agents


def _teams_for(user) -> list[Team]:
    """The teams `user` may open a ticket for: all for managers and admins, else their own."""
    teams = Team.objects.order_by("name")
    return list(teams if sees_all_teams(user) else teams.filter(pk__in=sorted(team_ids_for(user))))


@require_http_methods(["GET", "POST"])
@role_required(AGENT, MANAGER, ADMIN)
def ticket_new(request: HttpRequest) -> HttpResponse:
    agents, teams = list(workspace_agents()), _teams_for(request.user)
    if request.method == "GET":
        initial = {"assignee": str(request.user.pk), "team": str(teams[0].pk) if len(teams) == 1 else ""}
        form = TicketNewForm(initial=initial, agents=agents, teams=teams)
        return render(request, "tickets/ticket_new.html", {"nav": "tickets", "form": form})
    form = TicketNewForm(request.POST, request.FILES, agents=agents, teams=teams)
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                subject=data["subject"],
                body=data["body"],
                customer_email=data["customer_email"],
                customer_name=data["customer_name"],
                channel=data["channel"],
                direction=data["direction"],
                priority=data["priority"],
                type=data["type"],
                team=form.cleaned_team(),
                assignee=form.cleaned_assignee(),
                tags=data["tags"],
                by=request.user,
                status=Ticket.Status.OPEN if form.cleaned_assignee() else Ticket.Status.NEW,
                attachments=request.FILES.getlist("attachments"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Ticket {ticket.reference} opened.")
            return redirect("tickets:detail", reference=ticket.reference)
    return render(request, "tickets/ticket_new.html", {"nav": "tickets", "form": form}, status=400)


@require_POST
@role_required(*WORKSPACE_ROLES)
def ticket_merge(request: HttpRequest, reference: str) -> HttpResponse:
    """Merge this ticket into another one the agent can see; the conversation continues there."""
    try:
        source = ticket_for_agent(user=request.user, reference=reference)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such ticket.") from missing
    form = TicketMergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Name the ticket to merge into, such as HD-123.")
        return redirect("tickets:detail", reference=source.reference)
    wanted = form.cleaned_data["target"].strip()
    try:
        target = ticket_for_agent(user=request.user, reference=wanted)
    except Ticket.DoesNotExist:
        messages.error(request, f"There is no ticket {wanted} that you can see.")
        return redirect("tickets:detail", reference=source.reference)
    if request.POST.get("confirm") != "yes":  # a typo in the reference must not merge the wrong ticket
        context = {"nav": "tickets", "source": source, "target": target}
        return render(request, "tickets/ticket_merge_confirm.html", context)
    try:
        services.ticket_merge(source=source, target=target, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("tickets:detail", reference=source.reference)
    messages.success(request, f"{source.reference} was merged into {target.reference}.")
    return redirect("tickets:detail", reference=target.reference)
