"""The one place that knows about clocks and timezones: UTC storage, patient-local days."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.domain.errors import Refused


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


def is_valid_timezone(name: str) -> bool:
    """Tell whether name is an IANA timezone such as 'Europe/London'."""
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        return False
    return True


def common_timezones() -> list[str]:
    """IANA zone names for a form's choices, sorted, without legacy aliases."""
    legacy = ("Etc/", "SystemV/")
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(legacy))


def local_date(instant: datetime, timezone: str) -> date:
    """Return the calendar date that an aware instant falls on in a timezone."""
    if instant.tzinfo is None:
        raise ValueError("local_date needs an aware datetime")
    return instant.astimezone(ZoneInfo(timezone)).date()


def local_today(timezone: str, now: datetime | None = None) -> date:
    """Return today's date for someone living in the timezone."""
    return local_date(now or utcnow(), timezone)


def local_hour(timezone: str, now: datetime | None = None) -> int:
    """Return the hour of the day (0-23) it is now for someone living in the timezone."""
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).hour


def local_instant(day: date, at: time, timezone: str) -> datetime:
    """Return the UTC instant of a wall-clock time on a local date in a timezone.

    A time the clocks skip (02:30 when they go forward) falls the gap's length later
    (03:30 summer time); a time they show twice (01:30 when they go back) is the first.
    """
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


# Back to Monday from each weekday: the charts ask for a year of Mondays per request, and a
# table lookup costs a third of building the timedelta each time.
_SINCE_MONDAY = tuple(timedelta(days=n) for n in range(7))


def week_start(day: date) -> date:
    """Return the Monday of the week containing day."""
    return day - _SINCE_MONDAY[day.weekday()]


def days_between(first: date, last: date) -> list[date]:
    """Return every date from first to last, both included (none when last is before first)."""
    # By ordinal: a third of the cost of adding a timedelta per day (a year per chart request).
    return list(map(date.fromordinal, range(first.toordinal(), last.toordinal() + 1)))


def as_utc(instant: datetime) -> datetime:
    """Convert an aware datetime to UTC; refuse naive ones, which are ambiguous."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime: attach a timezone first")
    return instant.astimezone(UTC)


# --- dates as people read and type them ---------------------------------------------------

DATE_FORMAT_MESSAGE = "Give the date as YYYY-MM-DD."
# Dates people may type or send: arithmetic a few years either side of them cannot overflow
# (date(1, 1, 1) - 1 day raises), and nothing Stride holds is older or newer.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)
DATE_RANGE_MESSAGE = f"Give a date from {EARLIEST_DATE.year} to {LATEST_DATE.year}."


class UnreadableDate(Refused):
    """A ?date= (or any typed date) that is not YYYY-MM-DD; .errors says so under "date"."""


def parse_date(text: str) -> date:
    """Read a date written YYYY-MM-DD (as in ?date=), or raise UnreadableDate."""
    try:
        day = date.fromisoformat(text) if len(text) == 10 and text.isascii() else None
    except ValueError:
        day = None
    if day is None:
        raise UnreadableDate({"date": DATE_FORMAT_MESSAGE})
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise UnreadableDate({"date": DATE_RANGE_MESSAGE})
    return day


def in_date_range(instant: datetime) -> bool:
    """Tell whether an aware time falls within the dates Stride accepts (also in UTC).

    0001-01-01T00:00:00+14:00 parses, but is before year 1 in UTC: converting it overflows.
    """
    try:
        utc = instant.astimezone(UTC)
    except OverflowError:
        return False
    return all(EARLIEST_DATE <= day <= LATEST_DATE for day in (utc.date(), instant.date()))


def format_date(value: date | None) -> str:
    """A date as people write it: 'Mon 3 Nov 2026'."""
    if value is None:
        return ""
    return f"{value:%a} {value.day} {value:%b %Y}"


def format_short_date(value: date | None) -> str:
    """A recent date in a dense table, without the year: 'Mon 3 Nov'."""
    if value is None:
        return ""
    return f"{value:%a} {value.day} {value:%b}"


def format_datetime(value: datetime | None, timezone: str = "UTC") -> str:
    """An instant in a timezone, e.g. '3 Nov 2026, 07:15'."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%b %Y, %H:%M}"
