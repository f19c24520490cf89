"""Agents save their own queue views and delete them."""

import pytest

from tests.tickets.workspace import agent_in, team
from tickets.models import SavedView

pytestmark = pytest.mark.django_db


@pytest.fixture
def me():
    return agent_in(team(name="Red"), username="me")


def test_save_view_keeps_filters_without_cursor(client, me):
    client.force_login(me)
    response = client.post(
        "/tickets/views/",
        {"name": "Urgent chats", "query": "view=open&priority=urgent&channel=chat&after=abc"},
    )
    saved = SavedView.objects.get(owner=me)
    assert saved.name == "Urgent chats"
    assert "after" not in saved.query and "priority=urgent" in saved.query
    assert response["Location"] == f"/tickets/?{saved.query}"
    queue = client.get("/tickets/").text
    assert f'href="?{saved.query.replace("&", "&amp;")}"' in queue and "Urgent chats" in queue


def test_duplicate_name_is_explained(client, me):
    client.force_login(me)
    client.post("/tickets/views/", {"name": "Mine", "query": "view=mine"})
    response = client.post("/tickets/views/", {"name": "Mine", "query": "view=open"}, follow=True)
    assert "already have a view" in response.text
    assert SavedView.objects.filter(owner=me).count() == 1


def test_missing_name_is_explained(client, me):
    client.force_login(me)
    response = client.post("/tickets/views/", {"name": "", "query": "view=open"}, follow=True)
    assert "Give the view a name" in response.text


def test_delete_own_view(client, me):
    saved = SavedView.objects.create(owner=me, name="Old", query="view=open")
    client.force_login(me)
    assert client.post(f"/tickets/views/{saved.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def test_cannot_see_or_delete_someone_elses_view(client, me):
    other = agent_in(team(name="Blue"), username="other")
    theirs = SavedView.objects.create(owner=other, name="Theirs", query="view=open")
    client.force_login(me)
    assert "Theirs" not in client.get("/tickets/").text
    assert client.post(f"/tickets/views/{theirs.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=theirs.pk).exists()
