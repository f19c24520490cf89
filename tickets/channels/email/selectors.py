"""Reads of inbound email, scoped to what the user may see."""

from django.db.models import Q

from helpdesk.roles import WORKSPACE_ROLES, has_role, sees_all_teams

from ...models import RawEmail


def raw_email_for_agent(*, user, message_id: int) -> RawEmail | None:
    """The raw email behind message `message_id`, if `user` is staff who may see its ticket:
    managers and admins see every ticket; others tickets without a team, of their teams, or
    assigned to them."""
    if not has_role(user, *WORKSPACE_ROLES):
        return None
    rows = RawEmail.objects.select_related("ticket").filter(message_id=message_id)
    if not sees_all_teams(user):
        rows = rows.filter(
            Q(message__ticket__team__isnull=True)
            | Q(message__ticket__team__members=user)
            | Q(message__ticket__team__leads=user)
            | Q(message__ticket__team__qa_reviewers=user)
            | Q(message__ticket__assignee=user)
        ).distinct()
    return rows.first()
