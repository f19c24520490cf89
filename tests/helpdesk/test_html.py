"""helpdesk.html gives exactly what django.utils.html gives, for any value."""

from django.utils.functional import lazy
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given
from hypothesis import strategies as st

from helpdesk.html import esc, html_format

TRICKY = ["", "plain", "<script>alert('x')</script>", 'a "quoted" & <b>', "שלום <עולם>", "\u202e&amp;"]
values = st.one_of(
    st.text(),
    st.sampled_from(TRICKY),
    st.integers(),
    st.floats(allow_nan=False),
    st.none(),
    st.booleans(),
    st.text().map(mark_safe),
    st.sampled_from(TRICKY).map(lambda s: lazy(lambda: s, str)()),
)


@given(values)
def test_esc_is_conditional_escape(value):
    assert esc(value) == conditional_escape(value)


@given(values, values, values)
def test_html_format_is_format_html(a, b, c):
    template = '<a href="{}" title="{title}">{}</a>'
    ours = html_format(template, a, b, title=c)
    assert ours == format_html(template, a, b, title=c)
    assert isinstance(ours, SafeString)


def test_safe_strings_are_not_escaped_twice():
    inner = format_html("<b>{}</b>", "<i>")
    assert html_format("<p>{}</p>", inner) == "<p><b>&lt;i&gt;</b></p>"
