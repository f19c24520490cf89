"""The hostile input catalogue: named cases, each an input sent through a real entry point and the
outcome it must have. test_hostile_input.py runs them; the modules beside this one hold them by
entry point.

Outcomes (issue #10): a clear 4xx or form error; inert rendering (no live markup from the input,
its text still visible, escaped); nothing stored twice; nothing lost (what breaks a limit waits in
the quarantine); CSV cells a spreadsheet will not evaluate; text direction isolated; times correct
across daylight-saving changes. A server error fails every case: the test client raises it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

ENTRIES = (
    "web form",
    "portal form",
    "REST API",
    "inbound email",
    "chat",
    "KPI CSV export",
    "help center",
    "services",
)
OUTCOMES = (
    "4xx",
    "form error",
    "inert",
    "once",
    "quarantined",
    "neutralised",
    "isolated",
    "correct",
)


@dataclass(frozen=True)
class Case:
    name: str
    entry: str
    given: str
    expect: str
    outcome: str
    check: Callable

    def __post_init__(self):
        assert self.entry in ENTRIES, self.entry
        assert self.outcome in OUTCOMES, self.outcome


def case(cases: list, name: str, *, entry: str, given: str, expect: str, outcome: str) -> Callable:
    """Decorator: register the decorated check function as a named case in `cases`."""

    def register(check: Callable) -> Callable:
        cases.append(Case(name, entry, given, expect, outcome, check))
        return check

    return register


# The payloads. Each carries a marker so its text can be found on the page.
SCRIPT = '<script>alert("hd-xss")</script>'
IMG_ONERROR = "<img src=x onerror=\"alert('hd-xss')\">"
SVG_ONLOAD = "<svg/onload=alert('hd-xss')>"
JS_LINK = "<a href=\"javascript:alert('hd-xss')\">hd-xss link</a>"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "invoice\u202efdp.exe" reads as "invoiceexe.pdf"
OVERRIDES = "\u202a\u202b\u202d\u202e\u2066\u2067\u2068"  # embeddings, overrides, isolates


class _Page(HTMLParser):
    """Elements, attributes and text of an HTML page, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.in_script = False
        self.isolated: list[str] = []
        self.loose_overrides: list[str] = []  # text with a bidi control outside any isolation
        self._isolating: list[bool] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attrs.append((tag, name.lower(), value or ""))
        if tag == "script":
            self.in_script = True
            self.scripts.append(dict(attrs).get("src") or "")
        void = tag in {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col", "embed"}
        if not void:
            self._isolating.append(tag == "bdi" or dict(attrs).get("dir") in ("auto", "rtl", "ltr"))

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False
        if self._isolating:
            self._isolating.pop()

    def handle_data(self, data):
        if self.in_script:
            self.scripts[-1] += data
            return
        self.text.append(data)
        if any(self._isolating):
            self.isolated.append(data)
        elif any(ch in data for ch in OVERRIDES):
            self.loose_overrides.append(data)


def page(html: str | bytes) -> _Page:
    if isinstance(html, bytes):
        html = html.decode()
    parser = _Page()
    parser.feed(html)
    parser.close()
    return parser


def _scheme(url: str) -> str:
    squashed = "".join(ch for ch in url if ch.isprintable() and not ch.isspace()).lower()
    return squashed.partition(":")[0] if ":" in squashed else ""


def assert_inert(html: str | bytes, *, visible: str | None = None, marker: str = "hd-xss") -> None:
    """No markup from the input is live: no event-handler attribute anywhere, no javascript:/data:
    link, no script whose source or text carries the marker; and `visible` is shown as text."""
    parsed = page(html)
    handlers = [(tag, name) for tag, name, _ in parsed.attrs if name.startswith("on")]
    assert not handlers, f"event-handler attributes on the page: {handlers}"
    links = [
        (tag, name, value)
        for tag, name, value in parsed.attrs
        if name in ("href", "src", "action", "formaction", "xlink:href", "srcdoc")
        and _scheme(value) in ("javascript", "vbscript", "data")
    ]
    assert not links, f"script links on the page: {links}"
    assert not [s for s in parsed.scripts if marker in s], "a script element carries the input"
    if visible is not None:
        assert visible in "".join(parsed.text), f"{visible!r} is not shown as text"


def assert_isolated(html: str | bytes, *, text: str, stripped: bool = True) -> None:
    """`text` is shown inside an element that isolates its direction (dir=auto or <bdi>); with
    `stripped`, no bidi override character from the input reaches the page at all."""
    parsed = page(html)
    assert any(text in chunk for chunk in parsed.isolated), f"{text!r} is not inside dir=auto or <bdi>"
    assert not parsed.loose_overrides, f"bidi controls outside an isolating element: {parsed.loose_overrides}"
    if stripped:
        shown = "".join(parsed.text)
        assert not [ch for ch in OVERRIDES if ch in shown], "a bidi override from the input reached the page"


def assert_api_error(response, status: int | None = None, *, field: str | None = None) -> dict:
    """A 4xx with the API's one error body {code, message, errors}; `field` named in errors."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if status is not None:
        assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"code", "message", "errors"}, body
    assert isinstance(body["code"], str) and body["code"], body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["errors"], dict), body
    if field is not None:
        assert field in body["errors"], body
    return body
