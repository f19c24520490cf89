"""Django's ModelBackend, reading a signed-in user's roles in the same query as the user.

Every page asks who the user is and then which roles (groups) they have: two round trips to the
database before the page's own work. Here the group names come with the user row, as a scalar
subquery joined by the unit separator (which `helpdesk.roles` role names never contain), and are
kept on the user as `helpdesk.roles.user_roles` would compute them.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import CharField
from django.db.models.expressions import RawSQL

from helpdesk.roles import roles_from_groups

SEPARATOR = "\x1f"


def _group_names_sql(user_table: str) -> str:
    quote = connection.ops.quote_name
    link = get_user_model().groups.through._meta
    aggregate = (
        "STRING_AGG(g.name, CHR(31))"
        if connection.vendor == "postgresql"
        else "GROUP_CONCAT(g.name, CHAR(31))"
    )
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


class RolesModelBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.annotate(_group_names=group_names()).get(pk=user_id)
        except User.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        remember_roles(user, user._group_names)
        return user
