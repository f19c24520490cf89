from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.roles import WORKSPACE_ROLES, role_required


@role_required(*WORKSPACE_ROLES)
def customer_list(request: HttpRequest) -> HttpResponse:
    return render(request, "lifecycle/customer_list.html", {"nav": "customers"})
