from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.backends import group_names, remember_roles

from .models import ApiToken, hash_token

# Record use at most this often, so that reads do not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <token>`; request.auth is the ApiToken."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: use 'Authorization: Token <token>'.")
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(
                "Invalid token header: the token has invalid characters."
            ) from exc
        # key_hash is unique: get() without active()'s conditions and first()'s ordering, which cost
        # more to build than the query takes; is_active applies the same conditions to the row.
        try:
            # The user's roles come in the same query (accounts.backends).
            token = (
                ApiToken.objects.select_related("user")
                .annotate(_group_names=group_names())
                .get(key_hash=hash_token(raw))
            )
        except ApiToken.DoesNotExist:
            token = None
        if token is None or not token.is_active or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        remember_roles(token.user, token._group_names)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
