"""{% url %} for the links every page draws, reversed once (see helpdesk/reversing.py)."""

from django import template

from helpdesk.reversing import url_of, url_with

register = template.Library()


@register.simple_tag(name="url_of")
def url_of_tag(name: str) -> str:
    """{% url_of 'tickets:queue' %}: {% url 'tickets:queue' %} for a URL without arguments."""
    return url_of(name)


@register.simple_tag(name="url_with")
def url_with_tag(name: str, argument) -> str:
    """{% url_with 'tickets:solve' ticket.reference %}: {% url %} with one path segment."""
    return url_with(name, argument)
