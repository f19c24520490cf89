from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.scopes import SCOPES
from api.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token acting as USER; prints the token as the last line (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("user", help="Username of the staff user the token acts as.")
        parser.add_argument(
            "--scopes",
            nargs="+",
            required=True,
            help="Scopes, e.g. tickets:read tickets:write customers:write, or all. "
            f"Known: {', '.join(sorted(SCOPES))}",
        )
        parser.add_argument(
            "--name", default="", help="Which integration uses it (default: the command line)."
        )

    def handle(self, *args, user: str, scopes: list[str], name: str, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No user named {user!r}.")
        try:
            token, raw = api_token_create(name=name or f"cli token for {user}", user=account, scopes=scopes)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stderr.write(f"Created token {token.name!r} with scopes {', '.join(token.scopes)}.")
        self.stdout.write(raw)
