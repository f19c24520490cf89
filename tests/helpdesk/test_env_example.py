"""`.env.example` documents every variable the settings read, once each."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r"""(?:env(?:\.\w+)?|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def _documented() -> list[str]:
    text = (ROOT / ".env.example").read_text()
    return re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE)


def test_every_variable_the_settings_read_is_documented():
    read = set()
    for path in ("helpdesk/settings.py", "helpdesk/celery.py"):
        read |= set(READ.findall((ROOT / path).read_text()))
    assert read, "the pattern found no variables: it is out of date"
    assert sorted(read - set(_documented())) == []


def test_no_variable_is_documented_twice():
    names = _documented()
    assert sorted({n for n in names if names.count(n) > 1}) == []
