"""helpdesk.reversing gives what reverse() gives, under any script prefix."""

import pytest
from django.urls import reverse, set_script_prefix
from hypothesis import given
from hypothesis import strategies as st

from helpdesk.reversing import url_of, url_with

NAMES = [
    "home",
    "tickets:queue",
    "lifecycle:customer_list",
    "kb:article_list",
    "kpis:dashboard",
    "admin:index",
]


@pytest.fixture
def prefix():
    yield set_script_prefix
    set_script_prefix("/")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("script_prefix", ["/", "/helpdesk/"])
def test_url_of_is_reverse(name, script_prefix, prefix):
    prefix(script_prefix)
    assert url_of(name) == reverse(name)


@given(st.text(min_size=1).filter(lambda t: "/" not in t))
def test_url_with_is_reverse_for_any_segment(segment):
    assert url_with("tickets:detail", segment) == reverse("tickets:detail", args=[segment])


@pytest.mark.parametrize("segment", ["HD-1042", "a b", "ü?#&%", "..", "HD-9"])
@pytest.mark.parametrize("script_prefix", ["/", "/sub/path/"])
def test_url_with_under_a_script_prefix(segment, script_prefix, prefix):
    prefix(script_prefix)
    assert url_with("tickets:detail", segment) == reverse("tickets:detail", args=[segment])
