from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.roles import OVERSIGHT_ROLES, role_required


@role_required(*OVERSIGHT_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "kpis/dashboard.html", {"nav": "dashboard"})
