"""The teams whose tickets a signed-in user works, read in the same query as the user.

Every workspace page scopes its tickets by these teams (`selectors.team_ids_for`). Reading them
with the user (settings.ACCOUNTS_USER_EXTRAS, see accounts.backends) spares each page a round
trip, and they stay as fresh as the user row: nothing is kept between requests, so a member taken
off a team stops seeing its tickets on their next request.
"""

from django.db import connection
from django.db.models import CharField
from django.db.models.expressions import RawSQL

from accounts.backends import SEPARATOR, joined
from helpdesk.roles import QA_REVIEWER, has_role

from .models import Team


def _team_ids_sql(link, user_table: str) -> str:
    quote = connection.ops.quote_name
    meta = link._meta
    team, user = quote(meta.get_field("team").column), quote(meta.get_field("user").column)
    return (
        f"SELECT {joined(f'CAST(t.{team} AS TEXT)')} FROM {quote(meta.db_table)} t"  # noqa: S608 - names from the models
        f" WHERE t.{user} = {quote(user_table)}.{quote('id')}"
    )


def _annotation(link, users) -> RawSQL:
    sql = _team_ids_sql(link, users.model._meta.db_table)
    return RawSQL(sql, (), output_field=CharField())  # noqa: S611  # nosec B611 - no input in it


def _ids(joined_ids: str | None) -> set[int]:
    return {int(pk) for pk in (joined_ids or "").split(SEPARATOR) if pk}


class TeamIds:
    """The extra for accounts.backends: member teams, and reviewed teams for QA reviewers."""

    @staticmethod
    def annotate(users):
        return users.annotate(
            _member_team_ids=_annotation(Team.members.through, users),
            _reviewed_team_ids=_annotation(Team.qa_reviewers.through, users),
        )

    @staticmethod
    def remember(user) -> None:
        """Keep the teams on the user as `selectors.team_ids_for` would compute them."""
        ids = _ids(user._member_team_ids)
        if has_role(user, QA_REVIEWER):
            ids |= _ids(user._reviewed_team_ids)
        user._helpdesk_team_ids = frozenset(ids)
