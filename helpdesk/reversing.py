"""reverse(), once per URL name instead of once per link.

Django's reverse() costs tens of microseconds each time; a queue page asked it for every row and
every page for its navigation. A URL without arguments depends only on the script prefix and the
URL conf, so it is kept per pair of those; a URL with one argument is reversed once around a
marker and the argument put in its place, quoted as reverse() quotes it.
"""

from functools import lru_cache
from urllib.parse import quote

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import RFC3986_SUBDELIMS

_MARK = "HELPDESK-ARGUMENT-MARK"
_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what reverse() leaves unquoted (django.urls.resolvers)


@lru_cache(maxsize=512)
def _reversed(name: str, prefix: str, urlconf) -> str:
    return reverse(name, urlconf=urlconf)


@lru_cache(maxsize=512)
def _around(name: str, prefix: str, urlconf) -> tuple[str, str]:
    before, _, after = reverse(name, args=[_MARK], urlconf=urlconf).partition(_MARK)
    return before, after


def url_of(name: str) -> str:
    """reverse(name) for a URL that takes no arguments."""
    return _reversed(name, get_script_prefix(), get_urlconf())


def url_with(name: str, argument) -> str:
    """reverse(name, args=[argument]) for a URL whose one argument is a `str` path segment."""
    text = str(argument)
    if not text or "/" in text:
        return reverse(name, args=[argument])  # reverse() decides: no match, or another pattern
    before, after = _around(name, get_script_prefix(), get_urlconf())
    return f"{before}{quote(text, safe=_SAFE)}{after}"


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reversed.cache_clear()
        _around.cache_clear()
