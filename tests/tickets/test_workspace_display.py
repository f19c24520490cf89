"""The queue's and ticket page's display helpers write the same HTML the templates and widgets did."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django import forms

from tickets.templatetags.workspace import ago, time_ago
from tickets.widgets import FastSelect, OneOfManySelect

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=5), "5 min ago"),
        (timedelta(hours=3, minutes=59), "3 h ago"),
        (timedelta(days=2, hours=5), "2 d ago"),
        (timedelta(days=75), "2 mo ago"),
        (timedelta(days=800), "2 y ago"),
    ],
)
def test_ago_says_the_largest_unit_that_fits(delta, text):
    assert ago(delta) == text


def test_time_ago_keeps_the_exact_moment_in_its_attributes(settings):
    settings.TIME_ZONE = "UTC"
    html = time_ago(NOW - timedelta(hours=2), NOW)
    assert html == '<time datetime="2026-11-22T10:00:00+00:00" title="2026-11-22 10:00">2 h ago</time>'
    assert time_ago(None, NOW) == ""


CHOICES = [("", "Any <kind>"), ("a", "A & B"), (1, "One"), ("q", '"quoted"')]


@pytest.mark.parametrize("value", ["a", None, "1", ["a", "q"], "missing"])
@pytest.mark.parametrize("widget", [FastSelect, OneOfManySelect])
def test_fast_select_writes_what_the_template_select_writes(widget, value):
    attrs = {"class": "form-select", "data-shortcut": "x"}
    expected = forms.Select(choices=CHOICES, attrs=attrs).render(
        "kind", value, {"id": "id_kind", "required": True}
    )
    written = widget(choices=CHOICES, attrs=attrs).render("kind", value, {"id": "id_kind", "required": True})
    assert written == re.sub(r">\s+<", "><", expected)
