from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.roles import WORKSPACE_ROLES, role_required


@role_required(*WORKSPACE_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "tickets/ticket_queue.html", {"nav": "tickets"})
