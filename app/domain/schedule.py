"""What is due for a patient on a patient-local date: which exercises, how many sessions, sides."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from app.domain.localtime import days_between

SIDES = ("both", "left", "right", "each")
ONE_TICK = "both"  # the tick side of anything not done "each" side: one tick per session
EACH_SIDE_TICKS = ("left", "right")

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)

# "N times a week" without chosen days is spread over the Monday-start week in this fixed
# pattern. A fixed pattern (rather than "any N days the patient likes") keeps adherence
# well defined: every day has a known list of due exercises, so a missed day shows as missed
# on that day, and a week's percentage does not depend on when the patient looks.
WEEKLY_PATTERN: dict[int, frozenset[int]] = {
    1: frozenset({MONDAY}),
    2: frozenset({MONDAY, THURSDAY}),
    3: frozenset({MONDAY, WEDNESDAY, FRIDAY}),
    4: frozenset({MONDAY, TUESDAY, THURSDAY, FRIDAY}),
    5: frozenset({MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY}),
    6: frozenset({MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY}),
    7: frozenset(range(7)),
}


@dataclass(frozen=True)
class PrescriptionSpec:
    """One line of a programme version, as far as scheduling needs it."""

    line_id: int
    exercise_id: int
    phase: int  # position of the phase it belongs to, 0-based
    side: str  # both | left | right | each
    days_of_week: frozenset[int] | None  # 0 = Monday .. 6 = Sunday
    times_per_week: int | None  # exactly one of days_of_week and times_per_week is set
    times_per_day: int = 1

    def __post_init__(self) -> None:
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, not {self.side!r}")
        if (self.days_of_week is None) == (self.times_per_week is None):
            raise ValueError("give exactly one of days_of_week and times_per_week")
        if self.days_of_week is not None and not (
            self.days_of_week and self.days_of_week <= WEEKLY_PATTERN[7]
        ):
            raise ValueError("days_of_week must be weekdays 0 (Monday) to 6 (Sunday)")
        if self.times_per_week is not None and self.times_per_week not in WEEKLY_PATTERN:
            raise ValueError("times_per_week must be from 1 to 7")
        if self.times_per_day < 1:
            raise ValueError("times_per_day must be at least 1")

    @property
    def weekdays(self) -> frozenset[int]:
        """Return the weekdays this line is due on."""
        if self.days_of_week is not None:
            return self.days_of_week
        assert self.times_per_week is not None  # checked in __post_init__
        return WEEKLY_PATTERN[self.times_per_week]


@dataclass(frozen=True)
class PlanSnapshot:
    """One programme version: in force from its effective date until the next version."""

    version_id: int
    effective_from: date  # patient-local date from which this version applies
    phase: int  # position of the current phase
    prescriptions: tuple[PrescriptionSpec, ...]


@dataclass(frozen=True)
class ProgrammePlan:
    """A programme's days (start to end; open-ended while it is active) and versions read."""

    programme_id: int
    start_date: date
    end_date: date | None  # set when the programme is archived: its last day
    versions: tuple[PlanSnapshot, ...]

    def runs_on(self, day: date) -> bool:
        """Tell whether the programme is running on day."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class TickUnit(NamedTuple):
    """The smallest thing a patient ticks: one line, one session of the day, one side."""

    line_id: int
    session: int  # 1 .. times per day
    side: str  # "both" (one tick per session), or "left" / "right" for "each" side


@dataclass(frozen=True)
class DueItem:
    """An exercise due on a day, with how many ticks make it done."""

    line_id: int
    exercise_id: int
    version_id: int
    sessions: int  # times per day
    sides: tuple[str, ...]  # ("left", "right") for "each" side, otherwise ("both",)

    @property
    def unit_count(self) -> int:
        """Return how many tick units make the item done (without making them)."""
        return self.sessions * len(self.sides)

    @property
    def units(self) -> tuple[TickUnit, ...]:
        """Return every tick unit, session by session."""
        return tuple(
            TickUnit(self.line_id, session, side)
            for session in range(1, self.sessions + 1)
            for side in self.sides
        )


def weekdays_from_mask(mask: int) -> frozenset[int]:
    """Return the weekdays in a stored bit mask (Monday = 1 << 0)."""
    return frozenset(day for day in range(7) if mask & (1 << day))


def mask_from_weekdays(weekdays: frozenset[int]) -> int:
    """Return the bit mask (Monday = 1 << 0) for a set of weekdays."""
    return sum(1 << day for day in weekdays)


def back_to_back_days(weekdays: frozenset[int]) -> list[tuple[int, int]]:
    """Return each pair of chosen weekdays that follow each other, Sunday to Monday included.

    Running is done on non-consecutive days (clinical.md s. 6: 3 non-consecutive days a
    week), so a form can warn when a running line is set for back-to-back days.
    """
    return [(day, (day + 1) % 7) for day in sorted(weekdays) if (day + 1) % 7 in weekdays]


def plan_on(versions: Sequence[PlanSnapshot], day: date) -> PlanSnapshot | None:
    """Return the version in force on day: latest effective date, then highest version id."""
    in_force = [v for v in versions if v.effective_from <= day]
    return max(in_force, key=lambda v: (v.effective_from, v.version_id), default=None)


def due_on(
    start_date: date,
    versions: Sequence[PlanSnapshot],
    day: date,
    end_date: date | None = None,
) -> list[DueItem]:
    """Return what is due on day, in prescription order; nothing outside start..end."""
    return due_between(start_date, versions, day, day, end_date)[day]


def due_between(
    start_date: date,
    versions: Sequence[PlanSnapshot],
    first: date,
    last: date,
    end_date: date | None = None,
) -> dict[date, list[DueItem]]:
    """Return what is due on every day from first to last (empty lists included)."""
    # Each version's week is worked out once, so a year of days costs a year of lookups.
    ordered = sorted(versions, key=lambda v: (v.effective_from, v.version_id))
    weeks = [_due_by_weekday(version) for version in ordered]
    return {
        day: [] if current < 0 else list(weeks[current][day.weekday()])
        for day, current in _versions_by_day(start_date, ordered, first, last, end_date)
    }


def _units_between(
    start_date: date,
    versions: Sequence[PlanSnapshot],
    first: date,
    last: date,
    end_date: date | None = None,
) -> dict[date, int]:
    """Return how many tick units are due on every day first..last (as due_between)."""
    # Each version's weekday is summed once, not once a day (a year of chart data per request).
    ordered = sorted(versions, key=lambda v: (v.effective_from, v.version_id))
    weeks = [
        [sum(item.unit_count for item in items) for items in _due_by_weekday(version)]
        for version in ordered
    ]
    return {
        day: 0 if current < 0 else weeks[current][day.weekday()]
        for day, current in _versions_by_day(start_date, ordered, first, last, end_date)
    }


def _versions_by_day(
    start_date: date,
    ordered: Sequence[PlanSnapshot],
    first: date,
    last: date,
    end_date: date | None,
) -> list[tuple[date, int]]:
    """Pair every day first..last with the index in ordered of its version in force.

    -1 on days before the first version, or outside the programme's start..end.
    """
    days = []
    current = -1  # index in ordered of the version in force on day
    for day in days_between(first, last):
        while current + 1 < len(ordered) and ordered[current + 1].effective_from <= day:
            current += 1
        running = start_date <= day and (end_date is None or day <= end_date)
        days.append((day, current if running else -1))
    return days


def _due_by_weekday(version: PlanSnapshot) -> list[list[DueItem]]:
    """Return, for Monday to Sunday, the items of the version's current phase due that day."""
    week: list[list[DueItem]] = [[] for _ in range(7)]
    for spec in version.prescriptions:
        if spec.phase != version.phase:
            continue
        item = DueItem(
            line_id=spec.line_id,
            exercise_id=spec.exercise_id,
            version_id=version.version_id,
            sessions=spec.times_per_day,
            sides=EACH_SIDE_TICKS if spec.side == "each" else (ONE_TICK,),
        )
        for weekday in sorted(spec.weekdays):
            week[weekday].append(item)
    return week


# "In force", one meaning everywhere: each day follows the programme running that day (an
# archived one up to its end date, then its successor), and within it the version in force
# and that version's current phase. Past days are judged by the plan the patient had then.


def programme_on(programmes: Sequence[ProgrammePlan], day: date) -> ProgrammePlan | None:
    """Return the programme running on day: of those covering it, the latest to start."""
    running = [programme for programme in programmes if programme.runs_on(day)]
    return max(running, key=_start_order, default=None)


def version_in_force(programmes: Sequence[ProgrammePlan], day: date) -> PlanSnapshot | None:
    """Return the version in force on day in the programme running that day, if any."""
    programme = programme_on(programmes, day)
    return plan_on(programme.versions, day) if programme else None


def due_by_day(
    programmes: Sequence[ProgrammePlan], first: date, last: date
) -> dict[date, list[DueItem]]:
    """Return what is due on every day first..last (empty lists included), in date order.

    Each day follows the programme running that day: a later-starting one takes over the
    days it covers.
    """
    due: dict[date, list[DueItem]] = {day: [] for day in days_between(first, last)}
    for programme, start, end in _programme_spans(programmes, first, last):
        due.update(due_between(programme.start_date, programme.versions, start, end))
    return due


def due_units_by_day(
    programmes: Sequence[ProgrammePlan], first: date, last: date
) -> dict[date, int]:
    """Return how many tick units are due on every day first..last (see due_by_day)."""
    due = dict.fromkeys(days_between(first, last), 0)
    for programme, start, end in _programme_spans(programmes, first, last):
        due.update(_units_between(programme.start_date, programme.versions, start, end))
    return due


def _programme_spans(
    programmes: Sequence[ProgrammePlan], first: date, last: date
) -> list[tuple[ProgrammePlan, date, date]]:
    """Return each programme with its days within first..last, a later start taking over."""
    spans = []
    for programme in sorted(programmes, key=_start_order):
        start = max(first, programme.start_date)
        end = last if programme.end_date is None else min(last, programme.end_date)
        if start <= end:
            spans.append((programme, start, end))
    return spans


def _start_order(programme: ProgrammePlan) -> tuple[date, int]:
    return programme.start_date, programme.programme_id


def last_sessions(exercise_days: Iterable[date], through: date, count: int) -> list[date]:
    """Return the plan's last `count` exercise days up to and including `through`, oldest first.

    The one reading of "in a row" and "running" (clinical.md s. 8): they count the plan's
    sessions, not calendar days, so on a Mon/Wed/Fri plan Monday and Wednesday are two in a
    row and Tuesday, a rest day, does not break them. Fewer when the plan had fewer.
    """
    days = sorted({day for day in exercise_days if day <= through})
    return days[-count:] if count > 0 else []
