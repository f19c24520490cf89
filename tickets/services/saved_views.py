"""An agent's own saved queue views."""

from urllib.parse import parse_qsl, urlencode

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import AuditEntry
from accounts.services import audit_record

from ..models import SavedView
from ..sanitize import plain_text

MAX_SAVED_VIEWS = 50


@transaction.atomic
def saved_view_create(*, owner: User, name: str, query: str) -> SavedView:
    """Save the queue's filter query string under `name` (unique per owner)."""
    name = plain_text(name, max_length=100, single_line=True)
    if not name:
        raise ValidationError("A saved view needs a name.", code="name_required")
    query = urlencode(parse_qsl(plain_text(query, single_line=True).lstrip("?"), keep_blank_values=False))
    if len(query) > 2000:
        raise ValidationError("These filters are too long to save.", code="query_too_long")
    if SavedView.objects.filter(owner=owner, name=name).exists():
        raise ValidationError(f"You already have a view called “{name}”.", code="name_taken")
    if SavedView.objects.filter(owner=owner).count() >= MAX_SAVED_VIEWS:
        raise ValidationError(f"You can keep at most {MAX_SAVED_VIEWS} saved views.", code="too_many")
    return SavedView.objects.create(owner=owner, name=name, query=query)


@transaction.atomic
def saved_view_delete(*, saved_view: SavedView, by: User) -> None:
    """Only the owner deletes their view."""
    if saved_view.owner_id != by.pk:
        raise PermissionDenied("This saved view belongs to someone else.")
    audit_record(
        action=AuditEntry.Action.DELETE, actor=by, target=saved_view, details={"query": saved_view.query}
    )
    saved_view.delete()
