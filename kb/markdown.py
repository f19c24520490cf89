"""Markdown to safe HTML: CommonMark (markdown-it-py), then an nh3 allowlist.

The sanitiser is the guarantee: whatever the Markdown holds (raw HTML, `javascript:` links,
event handlers), only the tags, attributes and URL schemes below survive.
"""

import re
from html import unescape

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_INLINE_TAG = re.compile(r"</?(a|abbr|b|code|del|em|i|kbd|s|strong|sub|sup)\b[^>]*>")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def render_markdown(source: str) -> str:
    """Sanitised HTML for `source`; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(
        _md.render(source or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(html: str) -> str:
    """Plain text of sanitised HTML, for search vectors and snippets."""
    return _SPACE.sub(" ", unescape(_TAG.sub(" ", _INLINE_TAG.sub("", html)))).strip()
