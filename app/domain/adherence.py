"""Adherence: the share of due tick units that were done, by day, week, line or window.

Everything counts tick units (clinical.md s. 3), so sides and sessions weigh in: an "each"
side exercise done only on the left is half done. Inputs are what schedule.due_between gives
and the ticks done, as a set of (day, TickUnit) pairs or of flat (day, line_id, session,
side) tuples. A tick that was not due is ignored, so adherence never goes above 100%, and a
day with nothing due has no adherence at all (None), which is neither 0% nor 100%.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.localtime import days_between
from app.domain.localtime import week_start as monday_of
from app.domain.numbers import percent
from app.domain.rule_settings import CLINIC_DEFAULTS
from app.domain.schedule import DueItem, TickUnit

# The clinic's lines (rule_settings.RuleSettings); a programme may override them for its
# suggestions, while the caseload pages compare every patient with the clinic's.
ADHERENT = CLINIC_DEFAULTS.adherent_percent / 100  # the usual "adherent" line, 80%
LOW_ADHERENCE = CLINIC_DEFAULTS.low_adherence_percent / 100  # below: review (clinical.md s. 4)
SILENT_DAYS = CLINIC_DEFAULTS.silent_days  # nothing logged for this many days: review

Due = Mapping[date, Sequence[DueItem]]
Done = Collection[tuple[date, TickUnit]] | Collection[tuple[date, int, int, str]]


@dataclass(frozen=True)
class Ratio:
    """Done units out of due units; only made when something was due."""

    done: int
    due: int

    def __post_init__(self) -> None:
        if not 0 <= self.done <= self.due or self.due < 1:
            raise ValueError(f"need 0 <= done <= due and due >= 1, got {self.done}/{self.due}")

    @property
    def fraction(self) -> float:
        """Return done / due, from 0.0 to 1.0."""
        return self.done / self.due

    @property
    def percent(self) -> int:
        """Return the whole percentage, halves rounded up (for display)."""
        return percent(self.done, self.due)

    @property
    def is_adherent(self) -> bool:
        """Tell whether this meets the usual 80% line."""
        return self.fraction >= ADHERENT


def is_low_adherence(done: int, due: int, line: float = LOW_ADHERENCE) -> bool:
    """Tell whether done of due units is below the low-adherence line (nothing due: no)."""
    return bool(due) and done / due < line


def nothing_logged_for(last_active: date | None, today: date, days: int = SILENT_DAYS) -> bool:
    """Tell whether nothing was logged today nor on the `days` days before it.

    last_active is the last day the patient logged anything on (last_active_day). Today
    counts as activity although it is not over: a patient who logged today is back.
    """
    return last_active is None or last_active < today - timedelta(days=days)


def last_active_day(last_logged: date | None, morning_answered: bool) -> date | None:
    """Return the last day the patient logged anything on, from the last day logged about.

    A morning check-in is stored on the session day it is about but given the day after:
    it is activity on that next day. Only the last day logged about can hold the last
    activity: a morning about an earlier day was given on or before it.
    """
    if last_logged is None:
        return None
    return last_logged + timedelta(days=1) if morning_answered else last_logged


class DayStatus(StrEnum):
    """A day on the patient's calendar strip."""

    DONE = "done"  # every due unit done
    PARTIAL = "partial"  # some done
    MISSED = "missed"  # none done
    REST = "rest"  # nothing due


def adherence_for_day(day: date, due: Due, done: Done) -> Ratio | None:
    """Return the day's adherence; None when nothing was due."""
    return _ratio(_count(day, due.get(day, ()), done))


def adherence_over(first: date, last: date, due: Due, done: Done) -> Ratio | None:
    """Return adherence over the days first..last together; None when nothing was due."""
    return _ratio(_sum(_count(day, due.get(day, ()), done) for day in days_between(first, last)))


def adherence_for_week(week_start: date, due: Due, done: Done) -> Ratio | None:
    """Return adherence for the Monday-start week beginning week_start."""
    if week_start.weekday() != 0:
        raise ValueError(f"weeks start on a Monday; {week_start} is not one")
    return adherence_over(week_start, week_start + timedelta(days=6), due, done)


def adherence_by_week(first: date, last: date, due: Due, done: Done) -> dict[date, Ratio | None]:
    """Return adherence for each Monday-start week touching first..last, keyed by its Monday.

    Only days inside first..last count, so a partly covered week is judged on those days.
    """
    weeks: dict[date, tuple[int, int]] = {}
    for day in days_between(first, last):
        done_units, due_units = _count(day, due.get(day, ()), done)
        old_done, old_due = weeks.get(monday_of(day), (0, 0))
        weeks[monday_of(day)] = (old_done + done_units, old_due + due_units)
    return {monday: _ratio(counts) for monday, counts in weeks.items()}


def adherence_by_line(first: date, last: date, due: Due, done: Done) -> dict[int, Ratio]:
    """Return adherence per prescription line over first..last, lines in order of first due."""
    lines: dict[int, tuple[int, int]] = {}
    for day in days_between(first, last):
        for item in due.get(day, ()):
            done_units, due_units = _count(day, (item,), done)
            old_done, old_due = lines.get(item.line_id, (0, 0))
            lines[item.line_id] = (old_done + done_units, old_due + due_units)
    return {line_id: Ratio(*counts) for line_id, counts in lines.items()}


def day_status(day: date, due: Due, done: Done) -> DayStatus:
    """Return whether a day was done, partly done, missed or a rest day."""
    ratio = adherence_for_day(day, due, done)
    if ratio is None:
        return DayStatus.REST
    if ratio.done == ratio.due:
        return DayStatus.DONE
    return DayStatus.PARTIAL if ratio.done else DayStatus.MISSED


def days_done(first: date, last: date, due: Due, done: Done) -> dict[date, DayStatus]:
    """Return the status of every day first..last, for the calendar strip."""
    return {day: day_status(day, due, done) for day in days_between(first, last)}


def _count(day: date, items: Iterable[DueItem], done: Done) -> tuple[int, int]:
    """Return (done units, due units) for the items due on day."""
    done_units = due_units = 0
    for item in items:
        for unit in item.units:
            due_units += 1
            # Both shapes of tick are accepted; TickUnit is a tuple, so either lookup is O(1).
            if (day, unit) in done or (day, *unit) in done:
                done_units += 1
    return done_units, due_units


def _sum(counts: Iterable[tuple[int, int]]) -> tuple[int, int]:
    total_done = total_due = 0
    for done_units, due_units in counts:
        total_done += done_units
        total_due += due_units
    return total_done, total_due


def _ratio(counts: tuple[int, int]) -> Ratio | None:
    done_units, due_units = counts
    return Ratio(done_units, due_units) if due_units else None
