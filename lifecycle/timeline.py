"""The customer page's single timeline, with items from apps that lifecycle does not import.

Apps above lifecycle (tickets) contribute items through callables named in the setting
LIFECYCLE_TIMELINE_PROVIDERS, so lifecycle depends on nothing above it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TimelineItem:
    occurred_at: datetime
    kind: str  # "ticket", "rating", "touchpoint", "stage"
    title: str
    url: str = ""
    detail: str = ""
    icon: str = "dot"  # a bootstrap-icons name


def provided_items(*, customer, limit: int) -> list[TimelineItem]:
    """Items from every configured provider: `provider(*, customer, limit) -> list[TimelineItem]`."""
    items: list[TimelineItem] = []
    for path in getattr(settings, "LIFECYCLE_TIMELINE_PROVIDERS", []):
        items.extend(import_string(path)(customer=customer, limit=limit))
    return items
