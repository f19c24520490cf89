"""Which language the help center is shown in: ?lang=, then the visitor's remembered choice,
then Accept-Language, then settings.KB_DEFAULT_LANGUAGE."""

import re

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation.trans_real import parse_accept_lang_header

LANGUAGE_COOKIE = "kb_lang"
_CODE = re.compile(r"^[a-z]{2,3}$")


def offered() -> dict[str, str]:
    return dict(settings.KB_LANGUAGES)


def normalise(code: str | None) -> str | None:
    """The offered base language for a code like 'yi', 'de-AT' or 'EN', or None."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    if _CODE.match(base) and base in offered():
        return base
    return None


def visitor_language(request: HttpRequest) -> str:
    chosen = normalise(request.GET.get("lang")) or normalise(request.COOKIES.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")[:500]):
        if found := normalise(code):
            return found
    return settings.KB_DEFAULT_LANGUAGE


def is_rtl(language: str) -> bool:
    return language.split("-")[0] in settings.KB_RTL_LANGUAGES
