from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from helpdesk import roles
from helpdesk.roles import home_url_name, role_required

from .models import AuditEntry
from .selectors import PAGE_SIZE, audit_entries
from .services import audit_record, password_changed_notify


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own start page."""
    return redirect(home_url_name(request.user))


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed_notify(user=self.request.user)
        audit_record(
            action=AuditEntry.Action.PASSWORD_CHANGED,
            actor=self.request.user,
            target=self.request.user,
            ip_address=self.request.META.get("REMOTE_ADDR"),
        )
        messages.success(self.request, "Your password was changed.")
        return response


@role_required(roles.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    actor = request.GET.get("actor", "").strip()
    try:
        before = int(request.GET.get("before", "") or 0) or None
    except ValueError:
        before = None
    entries = list(audit_entries(action=action, actor=actor, before_id=before)[: PAGE_SIZE + 1])
    has_more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    context = {
        "entries": entries,
        "actions": AuditEntry.Action.choices,
        "action": action,
        "actor": actor,
        "next_before": entries[-1].pk if has_more else None,
        "nav": "audit",
    }
    return render(request, "accounts/audit_log.html", context)
