"""Local days as UTC microsecond bounds, for SQLite (PostgreSQL converts time zones itself)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone

from lifecycle.models import StageChange
from tickets.models import Message, SatisfactionRating, Ticket, TicketEvent

from ..dialect import day_start, is_postgres, us
from ..models import CalendarDay


def ensure_calendar() -> None:
    """Make sure CalendarDay covers every instant the raw data holds, plus today."""
    if is_postgres():
        return
    bounds = [timezone.now()]
    for model, field in (
        (Ticket, "created_at"),
        (TicketEvent, "occurred_at"),
        (Message, "created_at"),
        (SatisfactionRating, "created_at"),
        (StageChange, "occurred_at"),
        (Ticket, "first_response_due_at"),
        (Ticket, "resolution_due_at"),
    ):
        agg = model.objects.aggregate(lo=Min(field), hi=Max(field))
        bounds += [v for v in agg.values() if v is not None]
    calendar_extend(min(bounds), max(bounds))


def calendar_extend(lo, hi) -> None:
    tz = ZoneInfo(settings.TIME_ZONE)
    first, last = lo.astimezone(tz).date() - timedelta(days=2), hi.astimezone(tz).date() + timedelta(days=2)
    have = CalendarDay.objects.filter(day__gte=first, day__lte=last).count()
    if have == (last - first).days + 1:
        return
    existing = set(CalendarDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=d, start_us=us(day_start(d))) for d in days if d not in existing],
        ignore_conflicts=True,
    )
