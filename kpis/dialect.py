"""The few SQL fragments that differ between PostgreSQL and SQLite; everything else is shared."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def to_us(column: str) -> str:
    """Integer microseconds since the epoch of a datetime column (exact on both backends)."""
    if is_postgres():
        return f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"
    # Django stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC.
    return (
        f"(CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({column} || '.000000', 21, 6) AS INTEGER))"
    )


def local_day(us_expr: str) -> str:
    """The settings.TIME_ZONE calendar day of a microsecond instant."""
    if is_postgres():
        tz = settings.TIME_ZONE.replace("'", "")
        return f"((TIMESTAMPTZ 'epoch' + ({us_expr}) * INTERVAL '1 microsecond') AT TIME ZONE '{tz}')::date"
    return (
        f"(SELECT d.day FROM kpis_calendarday d WHERE d.start_us <= ({us_expr})"
        " ORDER BY d.start_us DESC LIMIT 1)"
    )


def greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if is_postgres() else f"MAX({a}, {b})"


def status_of_event(alias: str) -> str:
    """The status a CREATED ({"status": ...}) or STATUS ("solved") event leaves its ticket in."""
    if is_postgres():
        return (
            f"CASE WHEN {alias}.kind = 'created' THEN COALESCE({alias}.after ->> 'status', 'new')"
            f" ELSE {alias}.after #>> '{{}}' END"
        )
    return (
        f"CASE WHEN {alias}.kind = 'created' THEN COALESCE(json_extract({alias}.after, '$.status'), 'new')"
        f" ELSE json_extract({alias}.after, '$') END"
    )


def json_int(alias_column: str) -> str:
    """A JSON number (such as a MERGED event's target id) as an integer."""
    if is_postgres():
        return (
            f"CASE WHEN jsonb_typeof({alias_column}) = 'number' THEN ({alias_column} #>> '{{}}')::bigint END"
        )
    return f"CAST(json_extract({alias_column}, '$') AS INTEGER)"


def day_start(d: date) -> datetime:
    """Local midnight starting day `d`, in UTC."""
    return datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(settings.TIME_ZONE)).astimezone(UTC)


def us(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(microseconds=1)


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def day_bounds_us(date_from: date, date_to: date) -> tuple[int, int]:
    """[start of `date_from`, end of `date_to`) as microseconds."""
    return us(day_start(date_from)), us(day_start(date_to + timedelta(days=1)))


def local_day_of(column: str) -> str:
    """The settings.TIME_ZONE calendar day of a datetime column."""
    if is_postgres():
        tz = settings.TIME_ZONE.replace("'", "")
        return f"({column} AT TIME ZONE '{tz}')::date"
    return local_day(to_us(column))


def bucket(us_expr: str) -> str:
    """A histogram bucket of a duration (>= 0 µs): ordered like the durations, each about 3-30 % wide.

    The bucket of s whole seconds is 100 * its number of digits + its first two digits // 3, so
    that it is the same integer on both backends (no floating point).
    """
    if is_postgres():
        s = f"(({us_expr}) / 1000000)::text"
        return f"(length({s}) * 100 + substr({s}, 1, 2)::int / 3)"
    s = f"CAST(({us_expr}) / 1000000 AS TEXT)"
    return f"(length({s}) * 100 + CAST(substr({s}, 1, 2) AS INTEGER) / 3)"
