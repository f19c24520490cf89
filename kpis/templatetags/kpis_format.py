"""Display rounding for KPI figures (the API and CSV exports keep them unrounded)."""

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """1234.5 -> '20 min 35 s'; 90000 -> '1 d 1 h'."""
    if seconds is None or seconds == "":
        return "\N{EN DASH}"
    seconds = float(seconds)
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 60:
        return f"{sign}{s:.0f} s"
    if s < 3600:
        return f"{sign}{int(s // 60)} min {int(s % 60)} s"
    if s < 86400:
        return f"{sign}{int(s // 3600)} h {int(s % 3600 // 60)} min"
    return f"{sign}{int(s // 86400)} d {int(s % 86400 // 3600)} h"


@register.filter
def percent(rate) -> str:
    if rate is None or rate == "":
        return "\N{EN DASH}"
    return f"{float(rate) * 100:.1f}%"


@register.filter
def points(change) -> str:
    """A change of a rate, in percentage points."""
    if change is None:
        return "\N{EN DASH}"
    return f"{float(change) * 100:+.1f} pp"


@register.filter
def figure(value, unit: str) -> str:
    if unit == "seconds":
        return duration(value)
    if unit == "rate":
        return percent(value)
    return "\N{EN DASH}" if value is None else f"{value:,}"


@register.filter
def change(tile) -> str:
    if tile.change is None:
        return "no earlier data"
    if tile.unit == "rate":
        return points(tile.change)
    if tile.unit == "seconds":
        return ("+" if tile.change >= 0 else "-") + duration(abs(tile.change))
    return f"{tile.change:+,}"
