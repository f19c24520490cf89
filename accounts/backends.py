"""Django's ModelBackend, reading a signed-in user's roles in the same query as the user.

Every page asks who the user is and then which roles (groups) they have: two round trips to the
database before the page's own work. Here the group names come with the user row, as a scalar
subquery joined by the unit separator (which `helpdesk.roles` role names never contain), and are
kept on the user as `helpdesk.roles.user_roles` would compute them.

Apps above this one may read more of what every page asks about the user in the same query:
`settings.ACCOUNTS_USER_EXTRAS` names objects with `annotate(users) -> users` and
`remember(user)` (tickets.teams reads the agent's teams this way). The wiring is in settings, so
that this app imports none of them.
"""

import functools

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import CharField
from django.db.models.expressions import RawSQL
from django.utils.module_loading import import_string

from helpdesk.roles import roles_from_groups

SEPARATOR = "\x1f"


def joined(expression: str) -> str:
    """SQL aggregating the text `expression` over a subquery's rows, joined by SEPARATOR."""
    if connection.vendor == "postgresql":
        return f"STRING_AGG({expression}, CHR(31))"
    return f"GROUP_CONCAT({expression}, CHAR(31))"


def _group_names_sql(user_table: str) -> str:
    quote = connection.ops.quote_name
    link = get_user_model().groups.through._meta
    aggregate = joined("g.name")
    return (
        f"SELECT {aggregate} FROM {quote(Group._meta.db_table)} g"  # noqa: S608 - names from the models
        f" JOIN {quote(link.db_table)} ug ON ug.{quote(link.get_field('group').column)} = g.id"
        f" WHERE ug.{quote(link.get_field('user').column)} = {quote(user_table)}.{quote('id')}"
    )


def group_names() -> RawSQL:
    """Annotate a query of users, or one that joins the user table under its own name (as
    select_related("user") does), with their group names as `remember_roles` reads them."""
    sql = _group_names_sql(get_user_model()._meta.db_table)
    return RawSQL(sql, (), output_field=CharField())  # noqa: S611  # nosec B611 - no input in it


def remember_roles(user, names: str | None) -> None:
    """Keep the roles of `user` (helpdesk.roles.user_roles) from the annotated group names."""
    user._helpdesk_roles = roles_from_groups((names or "").split(SEPARATOR), user)


def user_extras() -> list:
    return _imported(tuple(getattr(settings, "ACCOUNTS_USER_EXTRAS", ())))


@functools.cache
def _imported(paths: tuple[str, ...]) -> list:
    return [import_string(path) for path in paths]


class RolesModelBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        extras = user_extras()
        users = User._default_manager.annotate(_group_names=group_names())
        for extra in extras:
            users = extra.annotate(users)
        try:
            user = users.get(pk=user_id)
        except User.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        remember_roles(user, user._group_names)
        for extra in extras:
            extra.remember(user)
        return user
