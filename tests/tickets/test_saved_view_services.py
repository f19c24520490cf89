import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from helpdesk.roles import AGENT
from tests.factories import staff_user
from tickets.models import SavedView
from tickets.services import saved_view_create, saved_view_delete

pytestmark = pytest.mark.django_db


def test_saved_view_create_normalises_the_query():
    owner = staff_user(AGENT)
    view = saved_view_create(owner=owner, name="  Urgent refunds ", query="?priority=urgent&tag=refund&q=")
    assert (view.owner, view.name, view.query) == (owner, "Urgent refunds", "priority=urgent&tag=refund")


def test_saved_view_create_refusals():
    owner = staff_user(AGENT)
    saved_view_create(owner=owner, name="Mine", query="status=open")
    with pytest.raises(ValidationError):
        saved_view_create(owner=owner, name="Mine", query="status=new")
    with pytest.raises(ValidationError):
        saved_view_create(owner=owner, name="  ", query="status=new")
    with pytest.raises(ValidationError):
        saved_view_create(owner=owner, name="Long", query="q=" + "x" * 2100)
    assert SavedView.objects.count() == 1
    saved_view_create(owner=staff_user(AGENT), name="Mine", query="status=open")


def test_saved_view_delete_only_by_owner():
    owner, other = staff_user(AGENT), staff_user(AGENT)
    view = saved_view_create(owner=owner, name="Mine", query="status=open")
    with pytest.raises(PermissionDenied):
        saved_view_delete(saved_view=view, by=other)
    saved_view_delete(saved_view=view, by=owner)
    assert not SavedView.objects.exists()
