"""Roles and the checks views use to enforce them.

Staff roles are Django groups (created by a data migration in `accounts`); a portal
customer is a user linked to a lifecycle customer and in no staff group. Superusers
count as admins.
"""

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

AGENT = "agent"
QA_REVIEWER = "qa_reviewer"
MANAGER = "manager"
ADMIN = "admin"
CUSTOMER = "customer"

STAFF_ROLES = (AGENT, QA_REVIEWER, MANAGER, ADMIN)
# Roles that may work tickets in the agent workspace.
WORKSPACE_ROLES = (AGENT, QA_REVIEWER, MANAGER, ADMIN)
# Roles that see every team's tickets and the KPI dashboard.
OVERSIGHT_ROLES = (MANAGER, ADMIN)


def user_roles(user) -> frozenset[str]:
    """The roles of `user`, cached on the instance so a request asks the database once."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_helpdesk_roles", None)
    if cached is not None:
        return cached
    user._helpdesk_roles = roles_from_groups(user.groups.values_list("name", flat=True), user)
    return user._helpdesk_roles


def roles_from_groups(group_names: Iterable[str], user) -> frozenset[str]:
    """The roles of `user`, who is in the groups named (accounts.backends reads them with the user)."""
    roles = set(group_names) & set(STAFF_ROLES)
    if user.is_superuser:
        roles.add(ADMIN)
    if not roles:
        roles.add(CUSTOMER)
    return frozenset(roles)


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def is_staff_member(user) -> bool:
    return has_role(user, *STAFF_ROLES)


def sees_all_teams(user) -> bool:
    return has_role(user, *OVERSIGHT_ROLES)


def home_url_name(user) -> str:
    """Where a user lands after signing in."""
    roles = user_roles(user)
    if AGENT in roles or ADMIN in roles or QA_REVIEWER in roles:
        return "tickets:queue"
    if MANAGER in roles:
        return "kpis:dashboard"
    return "portal:home"


def role_required(*roles: str) -> Callable:
    """View decorator: redirect anonymous users to log in, refuse other roles with 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role may not see this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def roles_context(request: HttpRequest) -> dict[str, Iterable[str] | bool]:
    """Template context: the current user's roles for navigation."""
    roles = user_roles(request.user)
    return {
        "user_roles": roles,
        "is_workspace_user": bool(roles & set(WORKSPACE_ROLES)),
        "can_open_tickets": bool(roles & {AGENT, MANAGER, ADMIN}),
        "is_oversight_user": bool(roles & set(OVERSIGHT_ROLES)),
        "is_admin_user": ADMIN in roles,
        "is_customer_user": CUSTOMER in roles,
    }
