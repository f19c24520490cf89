import time
from base64 import b32encode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django_otp import login as otp_login

from helpdesk import roles
from helpdesk.roles import home_url_name, role_required

from . import two_factor
from .forms import OTPTokenForm, PasswordConfirmForm
from .models import AuditEntry
from .selectors import PAGE_SIZE, audit_entries
from .services import audit_record, password_changed_notify

PENDING_SECONDS = 300


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own start page."""
    return redirect(home_url_name(request.user))


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not two_factor.needs_second_factor(user):
            return super().form_valid(form)
        # Password is right; the session is signed in only after the code step.
        self.request.session[two_factor.PENDING_SESSION_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return redirect("accounts:login_verify")


def login_verify(request: HttpRequest) -> HttpResponse:
    """Second sign-in step for users with an authenticator app."""
    pending = request.session.get(two_factor.PENDING_SESSION_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(two_factor.PENDING_SESSION_KEY, None)
        messages.info(request, "Please sign in again.")
        return redirect("accounts:login")
    user = get_object_or_404(get_user_model(), pk=pending["user_id"], is_active=True)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.totp_verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            del request.session[two_factor.PENDING_SESSION_KEY]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"])
        form.add_error("token", "That code is not valid. Wait for a new one and try again.")
    return render(request, "accounts/login_verify.html", {"form": form})


@role_required(*roles.STAFF_ROLES)
def two_factor_settings(request: HttpRequest) -> HttpResponse:
    """Set up, confirm or turn off the authenticator app."""
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    token_form = OTPTokenForm(request.POST if action == "confirm" else None)
    password_form = PasswordConfirmForm(request.POST if action == "disable" else None, user=user)
    if action == "start":
        two_factor.totp_device_start(user=user)
        return redirect("accounts:two_factor")
    pending = two_factor.totp_device_pending(user=user)
    if action == "confirm" and pending and token_form.is_valid():
        if two_factor.totp_device_confirm(device=pending, token=token_form.cleaned_data["token"]):
            otp_login(request, pending)
            audit_record(
                action=AuditEntry.Action.SETTINGS_CHANGED,
                actor=user,
                target=user,
                details={"two_factor": "on"},
            )
            messages.success(request, "Two-factor sign-in is on.")
            return redirect("accounts:two_factor")
        token_form.add_error("token", "That code is not valid. Check the time on your phone and try again.")
    if action == "disable" and password_form.is_valid():
        two_factor.totp_devices_remove(user=user)
        audit_record(
            action=AuditEntry.Action.SETTINGS_CHANGED, actor=user, target=user, details={"two_factor": "off"}
        )
        messages.success(request, "Two-factor sign-in is off.")
        return redirect("accounts:two_factor")
    context = {
        "enabled": two_factor.needs_second_factor(user),
        "pending": pending,
        "qr": two_factor.qr_svg(pending) if pending else "",
        "secret": b32encode(pending.bin_key).decode() if pending else "",
        "token_form": token_form,
        "password_form": password_form,
    }
    return render(request, "accounts/two_factor.html", context)


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
