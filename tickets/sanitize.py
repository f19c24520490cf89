"""Make text from outside safe to store and show: an nh3 allowlist for HTML, and plain-text helpers.

Message bodies are stored twice: `body_html` (sanitized here, safe to render with |safe) and
`body_text` (for search, email and previews). Subjects, names and file names are plain text:
Django's autoescaping makes them inert in templates; `plain_text` also strips control and
bidirectional-override characters that could spoof how they read.
"""

import html
import re
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "div",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title"},
    "a": {"href"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# C0/C1 controls except tab and newline, and the bidirectional embedding/override/isolate marks.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "table"}
)


def clean_html(value: str) -> str:
    """Sanitize an HTML fragment: only allowlisted tags and attributes, safe links, no scripts or styles."""
    return nh3.clean(
        value or "",
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object", "title"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def plain_text(value: str, *, max_length: int | None = None, single_line: bool = False) -> str:
    """Text without control or bidi-override characters (and on one line if asked), trimmed."""
    text = _CONTROL.sub("", value or "")
    if single_line:
        text = " ".join(text.split())
    text = text.strip()
    return text[:max_length] if max_length else text


def text_to_html(value: str) -> str:
    """Plain text as escaped HTML paragraphs; single newlines become line breaks."""
    text = plain_text(value).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{html.escape(p.strip()).replace(chr(10), '<br>')}</p>" for p in paragraphs)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template", "head", "title"):
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """The readable text of an HTML fragment: tags dropped, blocks on their own lines."""
    parser = _TextExtractor()
    parser.feed(value or "")
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return plain_text(re.sub(r"\n{3,}", "\n\n", text))


def body_pair(*, body: str = "", body_html: str = "") -> tuple[str, str]:
    """(sanitized html, plain text) from whichever of the two the caller has."""
    if body_html:
        clean = clean_html(body_html)
        return clean, plain_text(body) or html_to_text(clean)
    text = plain_text(body)
    return text_to_html(text), text
