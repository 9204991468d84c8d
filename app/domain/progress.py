"""Progress over time from day totals: pain series, weekly adherence, day status and captions.

These work on per-day totals (what DaySummary stores), so charts and the dashboard never
re-read ticks. Today is not over: its undone units are not yet missed, so today counts only
with what is already done.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import mean
from typing import NamedTuple

from app.domain.adherence import ADHERENT, DayStatus
from app.domain.localtime import days_between, week_start
from app.domain.numbers import half_up, percent

ROLLING_DAYS = 7


class DayTotals(NamedTuple):
    """One day for the charts: due and done tick units, and the pain known for it.

    A named tuple, not a frozen dataclass: a year of chart data makes a few hundred per
    request, and a tuple is made in a fifth of the time.
    """

    day: date
    due_units: int = 0
    done_units: int = 0  # due units done
    during: int | None = None
    morning: int | None = None
    usual: int | None = None
    zone: str | None = None


def counted(record: DayTotals, today: date) -> tuple[int, int]:
    """Return (done, due) units as they count on today: today's undone units don't count yet."""
    done = min(record.done_units, record.due_units)
    if record.day == today:
        return done, done
    return done, record.due_units


def status_of(record: DayTotals, today: date) -> DayStatus | None:
    """Return the day's status for the calendar strip; None for a today not yet done."""
    done, due = min(record.done_units, record.due_units), record.due_units
    if due == 0:
        return DayStatus.REST
    if done == due:
        return DayStatus.DONE
    if record.day >= today:
        return None
    return DayStatus.PARTIAL if done else DayStatus.MISSED


def rolling_mean(
    values: Mapping[date, int], first: date, last: date, days: int = ROLLING_DAYS
) -> dict[date, float]:
    """Return the mean of the known values over the `days` days ending on each day.

    Days whose window holds no value are left out (a gap, not a zero).
    """
    means: dict[date, float] = {}
    total = count = 0  # of the known values in the window ending on `day`
    window = days_between(first - timedelta(days=days - 1), last)  # from the first window's start
    for n, day in enumerate(window):
        if day in values:
            total, count = total + values[day], count + 1
        if n >= days and (leaving := window[n - days]) in values:
            total, count = total - values[leaving], count - 1
        if n >= days - 1 and count:
            # Whole numbers summed exactly: the same correctly rounded float as mean() gives.
            means[day] = round(total / count, 2)
    return means


@dataclass(frozen=True)
class WeekAdherence:
    monday: date
    done: int
    due: int

    @property
    def percent(self) -> int | None:
        """Return the whole percentage, halves up; None when nothing was due."""
        if not self.due:
            return None
        return percent(self.done, self.due)

    @property
    def is_adherent(self) -> bool:
        return bool(self.due) and self.done / self.due >= ADHERENT


def adherence_by_week(records: Iterable[DayTotals], today: date) -> list[WeekAdherence]:
    """Return done/due per Monday-start week, oldest first (weeks with records only)."""
    weeks: dict[date, list[int]] = {}  # monday -> [done, due]
    for record in records:
        if record.day > today:
            continue
        done, due = counted(record, today)
        monday = week_start(record.day)
        if (week := weeks.get(monday)) is None:
            weeks[monday] = [done, due]
        else:
            week[0] += done
            week[1] += due
    return [WeekAdherence(monday, *weeks[monday]) for monday in sorted(weeks)]


# --- Captions -------------------------------------------------------------------------------


def pain_caption(during: Mapping[date, int], *, patient: bool) -> str:
    """Say how pain during exercise moved: first week's average against the last week's."""
    subject = "Your pain during exercise" if patient else "Pain during exercise"
    if not during:
        if patient:
            return "You have not logged any pain during exercise in this period yet."
        return "No pain during exercise was logged in this period."
    days = sorted(during)
    week_after_first = days[0] + timedelta(days=ROLLING_DAYS)  # once, not once a day
    week_before_last = days[-1] - timedelta(days=ROLLING_DAYS)
    first_week = [during[d] for d in days if d < week_after_first]
    last_week = [during[d] for d in days if d > week_before_last]
    # Halves up, as every percentage here: round() would make 2.5 a 2 but 3.5 a 4.
    start, end = half_up(mean(first_week)), half_up(mean(last_week))
    weeks = (days[-1] - days[0]).days // 7
    if weeks < 1:
        return f"{subject} has been around {end} out of 10 so far."
    span = f"{weeks} week{'s' if weeks != 1 else ''}"
    if start == end:
        return f"{subject} has stayed around {end} out of 10 over {span}."
    return f"{subject} has gone from {start} to {end} over {span}."


def adherence_caption(weeks: Sequence[WeekAdherence], today: date, *, patient: bool) -> str:
    """Say how much of this week's exercise was done (or last week's, early on a Monday)."""
    this_monday = week_start(today)
    by_monday = {week.monday: week for week in weeks}
    week = by_monday.get(this_monday)
    label = "this week"
    if week is None or week.percent is None:
        week, label = by_monday.get(this_monday - timedelta(days=7)), "last week"
    if week is None or week.percent is None:
        return "No exercises were due this week or last week."
    if patient:
        return f"You did {week.percent}% of your exercises {label}."
    return f"{week.percent}% of the exercises due {label} were done."


def calendar_caption(statuses: Mapping[date, DayStatus], *, patient: bool) -> str:
    """Say on how many of the days with exercises due everything was done."""
    due_days = [s for s in statuses.values() if s != DayStatus.REST]
    if not due_days:
        return "No exercise days in this period."
    done = sum(1 for s in due_days if s == DayStatus.DONE)
    some = sum(1 for s in due_days if s == DayStatus.PARTIAL)
    who = "You did" if patient else "Did"
    text = f"{who} everything on {done} of {len(due_days)} exercise days"
    return text + (f", and some of it on {some} more." if some else ".")
