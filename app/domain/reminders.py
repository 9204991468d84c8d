"""When to remind a patient: the reminder slots due now, the times a plan suggests, retries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.domain.errors import Refused
from app.domain.localtime import local_date, local_instant

EVENING = "evening"  # the slot name of the evening nudge; the others are named "HH:MM"
DEFAULT_EVENING = time(20, 0)
MAX_TIMES = 4  # reminder times a day a patient may choose
# A slot more than this past its time is not sent any more (the worker was down, or the
# push service kept failing): a reminder hours late reminds nobody of anything useful.
SEND_WITHIN = timedelta(hours=2)
# Retries after a failed send: 1, 2, 4 ... minutes, never more than CAP apart.
FIRST_RETRY = timedelta(minutes=1)
RETRY_CAP = timedelta(minutes=30)
MAX_ATTEMPTS = 6

# The plan's times per day -> reminder times when the patient has chosen none.
DEFAULT_TIMES: dict[int, tuple[time, ...]] = {
    1: (time(9, 0),),
    2: (time(9, 0), time(18, 0)),
    3: (time(9, 0), time(13, 0), time(18, 0)),
    4: (time(8, 0), time(12, 0), time(16, 0), time(20, 0)),
}

# What a reminder says: no exercise, pain or diagnosis, since a lock screen is not private.
TITLE = "Stride"
MESSAGES = {
    False: "Time for today's exercises.",
    True: "Still time for today's exercises before the day ends.",
}


def default_times(times_per_day: int) -> tuple[time, ...]:
    """Return the reminder times for a plan done times_per_day a day (at most MAX_TIMES)."""
    return DEFAULT_TIMES[min(max(times_per_day, 1), MAX_TIMES)]


def slot_name(at: time) -> str:
    """Return the name of a reminder slot at a time of day: "09:00"."""
    return f"{at:%H:%M}"


def parse_times(text: str) -> tuple[time, ...]:
    """Read reminder times typed as "09:00, 18:30" (sorted, no repeats) or raise Refused."""
    times: set[time] = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        hours, _, minutes = part.partition(":")
        ok = hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()
        if not ok or len(minutes) != 2 or not (int(hours) < 24 and int(minutes) < 60):
            raise Refused({"times": f"{part!r} is not a time: write it as 09:00."})
        times.add(time(int(hours), int(minutes)))
    if len(times) > MAX_TIMES:
        raise Refused({"times": f"Choose at most {MAX_TIMES} times a day."})
    return tuple(sorted(times))


@dataclass(frozen=True)
class ReminderChoice:
    """What the patient chose: reminders on or off, times (None: the plan's), evening nudge."""

    enabled: bool
    times: tuple[time, ...] | None = None
    evening_nudge: bool = False
    evening_time: time = DEFAULT_EVENING

    def times_for(self, times_per_day: int) -> tuple[time, ...]:
        """Return the reminder times of a day whose plan is done times_per_day a day."""
        return self.times if self.times else default_times(times_per_day)


def reminders_on(chosen: bool, phones: int) -> bool:
    """Reminders are on when the patient chose them and a phone allowed notifications."""
    return chosen and phones > 0


@dataclass(frozen=True)
class PatientDay:
    """What the rule needs to know of a patient's local day."""

    local_date: date
    exercise_day: bool  # something is due (not a rest day)
    done: bool  # every tick of the day is made
    times_per_day: int = 1  # the most sessions a day of any exercise due


@dataclass(frozen=True)
class DueSlot:
    """A reminder to send: its slot, the patient's local date, when it fell due (UTC)."""

    slot: str
    local_date: date
    due_at: datetime
    evening: bool

    @property
    def message(self) -> str:
        return MESSAGES[self.evening]


def slots_of_day(choice: ReminderChoice, day: PatientDay, timezone: str) -> list[DueSlot]:
    """Return every reminder of the day (done or not), in time order; none on a rest day."""
    if not (choice.enabled and day.exercise_day):
        return []
    slots = [
        DueSlot(slot_name(at), day.local_date, local_instant(day.local_date, at, timezone), False)
        for at in choice.times_for(day.times_per_day)
    ]
    if choice.evening_nudge:
        at = local_instant(day.local_date, choice.evening_time, timezone)
        slots.append(DueSlot(EVENING, day.local_date, at, True))
    return sorted(slots, key=lambda slot: slot.due_at)


def due_slots(
    now: datetime, timezone: str, choice: ReminderChoice, day: PatientDay
) -> list[DueSlot]:
    """Return the reminders to send at now: fallen due within SEND_WITHIN, day not done.

    day must be the patient's local date at now. A slot stays due for SEND_WITHIN, so a
    worker that polls every few seconds (or was down for a minute) still sends it once; the
    caller keeps one row per patient, slot and date, so it is never sent twice.
    """
    if local_date(now, timezone) != day.local_date:
        raise ValueError("day must be the patient's local date at now")
    if day.done:
        return []
    return [
        slot
        for slot in slots_of_day(choice, day, timezone)
        if slot.due_at <= now < slot.due_at + SEND_WITHIN
    ]


def next_attempt(attempts: int, now: datetime, due_at: datetime) -> datetime | None:
    """Return when to try a failed send again (after attempts tries), or None to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = min(FIRST_RETRY * 2 ** (max(attempts, 1) - 1), RETRY_CAP)
    retry = now + delay
    return retry if retry < due_at + SEND_WITHIN else None


# --- the calendar feed ----------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarSlot:
    """One recurring calendar event: a time of day on the plan's exercise weekdays."""

    slot: str
    at: time
    weekdays: frozenset[int]  # 0 = Monday
    first_day: date  # the first exercise day on or after the feed's start


def calendar_slots(
    choice: ReminderChoice, weekdays: Iterable[int], times_per_day: int, from_day: date
) -> list[CalendarSlot]:
    """Return the calendar's recurring events: each reminder time on the exercise weekdays.

    The calendar follows the times chosen (or the plan's), whether or not push reminders are
    on; the evening nudge is a push only (a calendar cannot know whether the day was done).
    """
    days = frozenset(weekdays)
    if not days:
        return []
    first = next(from_day + timedelta(n) for n in range(7) if (from_day.weekday() + n) % 7 in days)
    return [
        CalendarSlot(slot_name(at), at, days, first)
        for at in ReminderChoice(True, choice.times).times_for(times_per_day)
    ]
