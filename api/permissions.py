from rest_framework import permissions

from helpdesk import roles

from . import scopes
from .models import ApiToken


class ScopedResource(permissions.BasePermission):
    """Token requests need the view's `scope_resource` scope (read for safe methods, else write).

    Session requests are limited by the user's role only. Every API view declares
    `scope_resource`; a view without one is refused to tokens, and "*" admits any valid token.
    """

    message = "This token's scopes do not allow this request."

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        resource = getattr(view, "scope_resource", None)
        if resource is None:
            return False
        if resource == scopes.ANY_RESOURCE:
            return True
        action = "read" if request.method in permissions.SAFE_METHODS else "write"
        self.message = f"This token needs the scope {resource}:{action} (or all)."
        return scopes.allows(request.auth.scopes, resource, action)


class IsStaff(permissions.BasePermission):
    """Agents, QA reviewers, managers and admins (the API is for staff and integrations)."""

    message = "Only staff accounts may use this endpoint."

    def has_permission(self, request, view) -> bool:
        return roles.is_staff_member(request.user)


class IsOversight(permissions.BasePermission):
    message = "Only managers and admins may use this endpoint."

    def has_permission(self, request, view) -> bool:
        return roles.sees_all_teams(request.user)


class IsAdmin(permissions.BasePermission):
    message = "Only admins may use this endpoint."

    def has_permission(self, request, view) -> bool:
        return roles.has_role(request.user, roles.ADMIN)
