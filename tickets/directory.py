"""The workspace's short, rarely changing lists, read from the cache instead of three queries a page.

Every queue and ticket page names the agents and teams (filters, controls, history) and offers
the canned replies. They change a few times a day, but building them from the database was three
queries and about 2 ms of a page's CPU, a tenth of it. They are kept as one cache entry that any
save or delete of a user, group, group membership, team or canned reply drops, at once and again
when its transaction commits (so a page that read the old rows during the transaction cannot put
them back for long). The entry also expires after `FRESH_SECONDS`, which bounds how stale a
change made outside the ORM (raw SQL) can leave a page.

Only pages read it: a form that is posted checks its choices against the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import CannedReply, Team

KEY = "tickets:directory:v1"
FRESH_SECONDS = 60


@dataclass(frozen=True)
class Directory:
    agents: tuple  # workspace_agent_names(): who can be given tickets, with their names only
    teams: tuple[Team, ...]
    canned_replies: tuple[CannedReply, ...]  # the active ones, of every team

    def canned_replies_for(self, team_id: int | None) -> list[CannedReply]:
        """Those offered on a ticket of `team_id`: every team's, and the team's own."""
        return [c for c in self.canned_replies if c.team_id is None or c.team_id == team_id]


def directory() -> Directory:
    found = cache.get(KEY)
    if found is None:
        found = _build()
        cache.set(KEY, found, FRESH_SECONDS)
    return found


def _build() -> Directory:
    from .selectors import workspace_agent_names

    return Directory(
        agents=tuple(workspace_agent_names()),
        teams=tuple(Team.objects.all()),
        canned_replies=tuple(CannedReply.objects.filter(is_active=True)),
    )


def forget() -> None:
    cache.delete(KEY)


def _changed(sender=None, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login names nobody differently
    forget()
    transaction.on_commit(forget, robust=True)


def connect() -> None:
    """Called from TicketsConfig.ready()."""
    User = get_user_model()
    for model in (User, Group, Team, CannedReply):
        post_save.connect(_changed, sender=model, dispatch_uid=f"directory-save-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"directory-delete-{model._meta.label}")
    m2m_changed.connect(_changed, sender=User.groups.through, dispatch_uid="directory-user-groups")
