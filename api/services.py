from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEntry
from accounts.services import audit_record
from helpdesk import roles

from .models import ApiToken, hash_token, new_raw_token
from .scopes import parse_scopes


@transaction.atomic
def api_token_create(
    *,
    name: str,
    user: AbstractBaseUser,
    scopes: list[str],
    by: AbstractBaseUser | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token acting as `user`; returns it and the raw token, which is never shown again."""
    if not name.strip():
        raise ValidationError({"name": "Give the token a name (which integration uses it)."})
    if not roles.is_staff_member(user):
        raise ValidationError({"user": "API tokens act as a staff user (agent, manager or admin)."})
    try:
        scopes = parse_scopes(scopes)
    except ValueError as exc:
        raise ValidationError({"scopes": str(exc)}) from exc
    raw = new_raw_token()
    token = ApiToken.objects.create(
        name=name.strip()[:100],
        user=user,
        key_hash=hash_token(raw),
        key_hint=raw[:10],
        scopes=scopes,
        created_by=by,
        expires_at=expires_at,
    )
    audit_record(
        action=AuditEntry.Action.TOKEN_CREATED,
        actor=by,
        target=token,
        details={"acts_as": user.get_username(), "scopes": scopes},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: AbstractBaseUser | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action=AuditEntry.Action.TOKEN_REVOKED, actor=by, target=token)
    return token
