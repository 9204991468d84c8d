"""Reps done per set, and the 2-for-2 rule that reads them (clinical.md s. 4, NSCA).

The patient may enter the reps done in each set; a tick alone means the sets went as
prescribed, so entering costs nothing when the session went to plan. When the last set beat
the rep target by 2 or more in each of the last 2 sessions of the plan in a row (NSCA's
"2-for-2": the last set, as the hardest), the line is ready for more load. Both numbers are
RuleSettings fields (two_for_two_beat_by, two_for_two_sessions_in_a_row).

"Sessions in a row" are the plan's exercise days on which the line was due (clinical.md
s. 8: on a Mon/Wed/Fri plan, Wednesday then Friday is two in a row), read with
schedule.last_sessions; the caller gives every one, each with the reps done or None, so a
missed session breaks the run.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.schedule import last_sessions


@dataclass(frozen=True)
class RepsSession:
    """One session of the plan on which a line was due, and the reps done in each set."""

    day: date
    reps: tuple[int, ...] | None  # None: not done, or ticked without reps (as prescribed)

    @property
    def last_set(self) -> int | None:
        """Return the reps of the last set, when entered."""
        return self.reps[-1] if self.reps else None


@dataclass(frozen=True)
class TwoForTwo:
    """The sessions that met the 2-for-2 rule: their days and the reps of each last set."""

    target: int
    days: tuple[date, ...]
    last_sets: tuple[int, ...]


def session_of(day: date, units: Sequence[Sequence[int] | None]) -> RepsSession:
    """Return a day's session from its tick units' reps (each side, each time of the day).

    The session beats the target only if every unit does, so it takes the unit whose last
    set was lowest; a unit without reps leaves the whole session unknown.
    """
    if not units or any(not unit for unit in units):
        return RepsSession(day, None)
    lowest = min(units, key=lambda unit: unit[-1])  # type: ignore[index]
    return RepsSession(day, tuple(lowest or ()))


def two_for_two(
    sessions: Sequence[RepsSession], target: int, today: date, beat_by: int, in_a_row: int
) -> TwoForTwo | None:
    """Return the last `in_a_row` sessions when each beat the target by `beat_by`; else None.

    sessions: the line's sessions of the plan (the days it was due). Today's session counts
    once its reps are in; not done yet, it is not a miss (the day is not over).
    """
    by_day = {session.day: session for session in sessions}
    waiting = today in by_day and by_day[today].reps is None
    through = today - timedelta(days=1) if waiting else today
    days = last_sessions(by_day, through, in_a_row)
    if len(days) < in_a_row:
        return None
    last = [by_day[day] for day in days]
    needed = target + beat_by
    last_sets = [session.last_set for session in last]
    if any(reps is None or reps < needed for reps in last_sets):
        return None
    return TwoForTwo(
        target=target,
        days=tuple(session.day for session in last),
        last_sets=tuple(reps for reps in last_sets if reps is not None),
    )
