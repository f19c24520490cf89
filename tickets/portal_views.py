from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.roles import CUSTOMER, role_required


@role_required(CUSTOMER)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/portal_home.html", {"nav": "portal"})
