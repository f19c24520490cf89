"""Stand-ins for the hooks apps above lifecycle register (settings.LIFECYCLE_*)."""

from lifecycle.timeline import TimelineItem

merges: list[tuple[int, int]] = []


def record_merge(*, source, target) -> None:
    merges.append((source.pk, target.pk))


def ticket_items(*, customer, limit):
    from django.utils import timezone

    return [
        TimelineItem(
            occurred_at=timezone.now(),
            kind="ticket",
            title="HD-7 Cannot log in",
            url="/tickets/7/",
            icon="ticket",
        )
    ]
