"""Exercise dose: the one dose value, its allowed ranges, its validation and all its wording.

Every dose in the app is a Dose: a library exercise's default, a template or programme line,
a line of a plan being edited, a suggested change and a step of the dose chart. Each page or
summary that shows a dose asks the Dose for its words (describe, short, amount_words,
days, frequency, per_day, load_words, describe_change), so each wording is written once.

The schedule (chosen weekdays as a bit mask, or a number of times a week) is part of the
Dose rather than a value of its own: every stored line keeps it beside the dose, the physio
edits both in one form, and change summaries and validation read them together (chosen days
count as that many times a week for the range checks). A separate Schedule would be needed
only by something that carries a schedule without a dose, and nothing does.

A Dose is plain data: it may hold a value out of range while a plan is being edited;
errors() and dose_errors() say what is wrong, and Dose.from_mapping() refuses a bad one.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from app.domain.errors import Refused
from app.domain.schedule import WEEKLY_PATTERN, weekdays_from_mask

SETS_RANGE = (1, 10)
REPS_RANGE = (1, 100)
HOLD_SECONDS_RANGE = (1, 600)
DURATION_SECONDS_RANGE = (1, 7200)
REST_SECONDS_RANGE = (0, 600)
TIMES_PER_WEEK_RANGE = (1, 7)
TIMES_PER_DAY_RANGE = (1, 5)
LOAD_KG_MAX = 500
SIDES = ("both", "left", "right", "each")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Exactly one of these says how much of each set to do.
AMOUNT_FIELDS = ("reps", "hold_seconds", "duration_seconds")
# Exactly one of these says on which days.
SCHEDULE_FIELDS = ("days_of_week", "times_per_week")
# The part of a dose the progression rules change (and a suggestion proposes).
STRENGTH_FIELDS = ("sets", *AMOUNT_FIELDS, "load_kg")
# An exercise's default dose in the library: what a new line starts from.
EXERCISE_DOSE_FIELDS = (
    "sets",
    *AMOUNT_FIELDS,
    "rest_seconds",
    "side",
    "times_per_week",
    "times_per_day",
)
TEXT_LIMITS = {"load_text": 60, "tempo": 20}

# field -> (inclusive range, label for messages, unit shown after the range)
DOSE_RANGES: dict[str, tuple[tuple[int, int], str, str]] = {
    "sets": (SETS_RANGE, "Sets", ""),
    "reps": (REPS_RANGE, "Reps", ""),
    "hold_seconds": (HOLD_SECONDS_RANGE, "Hold time", " seconds"),
    "duration_seconds": (DURATION_SECONDS_RANGE, "Duration", " seconds"),
    "rest_seconds": (REST_SECONDS_RANGE, "Rest", " seconds"),
    "times_per_week": (TIMES_PER_WEEK_RANGE, "Times per week", ""),
    "times_per_day": (TIMES_PER_DAY_RANGE, "Times per day", ""),
}
REQUIRED_FIELDS = ("sets", "rest_seconds", "side", "times_per_week", "times_per_day")
# Plausible values for the parts a strength-only dose leaves out, so the range checks run.
_STRENGTH_FILLERS = {"rest_seconds": 0, "side": "both", "times_per_week": 1, "times_per_day": 1}
LOAD_MESSAGE = "Load must be a number of kilograms from 0.5 to 500."

_SIDE_WORDS = {"both": "", "left": ", left side", "right": ", right side", "each": ", each side"}


@dataclass(frozen=True)
class Dose:
    """A dose and its schedule; the defaults are the stored columns' defaults."""

    sets: int = 1
    reps: int | None = None
    hold_seconds: int | None = None
    duration_seconds: int | None = None
    rest_seconds: int = 60
    side: str = "both"  # both | left | right | each
    times_per_day: int = 1
    load_kg: float | None = None
    load_text: str | None = None
    tempo: str | None = None
    days_of_week: int | None = None  # bit mask, Monday = 1 << 0
    times_per_week: int | None = None

    # --- building -------------------------------------------------------------------------

    @classmethod
    def of(cls, row: object) -> "Dose":
        """Return the dose of anything with dose attributes (a model row, a form's data).

        Attributes the object does not have (an exercise has no load or tempo) stay unset.
        """
        values = {name: getattr(row, name, None) for name in FIELD_NAMES}
        return cls(**{name: value for name, value in values.items() if value is not None})

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> "Dose":
        """Build a Dose from form or file values, raising InvalidDose when any is wrong."""
        errors = dose_errors(values)
        if errors:
            raise InvalidDose(errors)
        return cls.from_dict(values)

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> "Dose":
        """Build a Dose from stored values (to_dict's), without the range checks.

        Raises InvalidDose for a name that is not a dose field, or when sets is missing.
        """
        unknown = set(values) - set(FIELD_NAMES)
        if unknown:
            raise InvalidDose({name: "Not a dose setting." for name in sorted(unknown)})
        if values.get("sets") is None:
            raise InvalidDose({"sets": "Sets is required."})
        given = {name: value for name, value in values.items() if value is not None}
        return cls(**given)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, Any]:
        """Return every field as a plain dict (unset ones as None)."""
        return asdict(self)

    def strength(self) -> dict[str, Any]:
        """Return the set parts of sets, reps / hold / duration and load (what rules change)."""
        return {
            name: value for name in STRENGTH_FIELDS if (value := getattr(self, name)) is not None
        }

    def changed(self, **values: Any) -> "Dose":
        """Return the dose with some fields changed.

        Giving one of reps / hold_seconds / duration_seconds clears the other two unless they
        are given too; likewise days_of_week and times_per_week. Raises TypeError for a name
        that is not a dose field.
        """
        unknown = set(values) - set(FIELD_NAMES)
        if unknown:
            raise TypeError(f"unknown dose fields: {', '.join(sorted(unknown))}")
        for group in (AMOUNT_FIELDS, SCHEDULE_FIELDS):
            if any(values.get(name) is not None for name in group):
                for name in group:
                    values.setdefault(name, None)
        return replace(self, **values)

    # --- checking -------------------------------------------------------------------------

    def errors(self) -> dict[str, str]:
        """Return field -> message for the dose, its schedule and its texts; empty when fine."""
        values = self.to_dict()
        # The dose rules want a weekly count; chosen days count as that many times a week.
        if self.days_of_week is not None and self.times_per_week is None:
            values["times_per_week"] = len(weekdays_from_mask(self.days_of_week))
        errors = dose_errors(values)
        if errors.get("times_per_week") and self.days_of_week is not None:
            errors["days_of_week"] = errors.pop("times_per_week")
        if (self.days_of_week is None) == (self.times_per_week is None):
            errors["days_of_week"] = "Choose the days of the week or a number of times per week."
        elif self.days_of_week is not None and not 0 < self.days_of_week < 128:
            errors["days_of_week"] = "Choose at least one day of the week."
        if self.load_kg is not None and not 0 < self.load_kg <= LOAD_KG_MAX:
            errors["load_kg"] = f"Load must be between 0 and {LOAD_KG_MAX} kg."
        if self.load_kg is not None and self.load_text:
            errors["load_text"] = "Give the load in kg or as text, not both."
        for name, limit in TEXT_LIMITS.items():
            if len(getattr(self, name) or "") > limit:
                errors[name] = f"At most {limit} characters."
        return errors

    # --- words ----------------------------------------------------------------------------

    def describe(self) -> str:
        """Return the dose in patient words: "3 sets of 12, each side", "5 holds of 30 s"."""
        return self._amount() + _SIDE_WORDS.get(self.side, "")

    def _amount(self) -> str:
        """Return how much, in patient words, without the side: "3 sets of 12"."""
        if self.reps is not None:
            text = f"{self.sets} {'set' if self.sets == 1 else 'sets'} of {self.reps}"
        elif self.hold_seconds is not None:
            hold = format_seconds(self.hold_seconds)
            text = f"{self.sets} {'hold' if self.sets == 1 else 'holds'} of {hold}"
        elif self.duration_seconds is not None:
            time = format_seconds(self.duration_seconds)
            text = time if self.sets == 1 else f"{self.sets} rounds of {time}"
        else:
            text = f"{self.sets} {'set' if self.sets == 1 else 'sets'}"
        return text

    def amount_words(self) -> str:
        """Return how much, without the side, with any load: "3 sets of 12 with 20 kg"."""
        words = self._amount()
        return f"{words} with {self.load_kg:g} kg" if self.load_kg else words

    def short(self) -> str:
        """Return a compact dose for summaries: "3 x 12", "5 x 30 s hold", "3 x 10 @ 5 kg"."""
        if self.reps is not None:
            text = f"{self.sets} x {self.reps}"
        elif self.hold_seconds is not None:
            text = f"{self.sets} x {format_seconds(self.hold_seconds)} hold"
        elif self.duration_seconds is not None:
            time = format_seconds(self.duration_seconds)
            text = time if self.sets == 1 else f"{self.sets} x {time}"
        else:
            text = f"{self.sets} sets"
        if self.load_kg is not None:
            text += f" @ {self.load_kg:g} kg"
        if self.load_text:
            text += f", {self.load_text}"
        return text

    def load_words(self) -> str:
        """Return the load: "5 kg", the text ("red band"), or "" without one."""
        return f"{self.load_kg:g} kg" if self.load_kg is not None else (self.load_text or "")

    def days(self) -> str:
        """Return the days in words: "Mon, Wed, Fri", "every day", "3 times a week"."""
        if self.days_of_week is not None:
            days = weekdays_from_mask(self.days_of_week)
            if days == WEEKLY_PATTERN[7]:
                return "every day"
            return ", ".join(WEEKDAY_NAMES[day] for day in sorted(days))
        if self.times_per_week == 7:
            return "every day"
        return f"{_times(self.times_per_week)} a week"

    def per_day(self) -> str:
        """Return how often a day: "once a day", "twice a day", "3 times a day"."""
        return f"{_times(self.times_per_day)} a day"

    def frequency(self) -> str:
        """Return how often in words: "3 times a week", "every day, twice a day"."""
        if self.times_per_day == 1:
            return self.days()
        return f"{self.days()}, {self.per_day()}"


FIELD_NAMES = tuple(field.name for field in fields(Dose))


def describe_change(before: Dose, after: Dose) -> list[str]:
    """Return what changed from one dose to the next, e.g. ["3 x 10 -> 3 x 12", "rest ..."]."""
    parts = []
    if before.short() != after.short():
        parts.append(f"{before.short()} -> {after.short()}")
    if before.days() != after.days():
        parts.append(f"{before.days()} -> {after.days()}")
    if before.times_per_day != after.times_per_day:
        parts.append(f"{before.times_per_day} -> {after.times_per_day} times a day")
    if before.side != after.side:
        parts.append(f"side {before.side} -> {after.side}")
    if before.rest_seconds != after.rest_seconds:
        rest_before, rest_after = (
            format_seconds(before.rest_seconds),
            format_seconds(after.rest_seconds),
        )
        parts.append(f"rest {rest_before} -> {rest_after}")
    if before.tempo != after.tempo:
        parts.append(f"tempo {before.tempo or 'none'} -> {after.tempo or 'none'}")
    return parts


class InvalidDose(Refused):
    """Raised by Dose.from_mapping and Dose.from_dict; .errors maps field -> message."""


def dose_errors(values: Mapping[str, object]) -> dict[str, str]:
    """Return field -> message for every problem in a dose; empty when the dose is valid."""
    errors: dict[str, str] = {}
    for field, ((low, high), label, unit) in DOSE_RANGES.items():
        value = values.get(field)
        if value is None:
            if field in REQUIRED_FIELDS:
                errors[field] = f"{label} is required."
        elif not isinstance(value, int) or isinstance(value, bool):
            # bool is a subclass of int, but "sets: true" is a mistake, not 1 set.
            errors[field] = f"{label} must be a whole number."
        elif not low <= value <= high:
            errors[field] = f"{label} must be between {low} and {high}{unit}."

    side = values.get("side")
    if side is None:
        errors["side"] = "Side is required."
    elif side not in SIDES:
        errors["side"] = f"Side must be one of: {', '.join(SIDES)}."

    given = [field for field in AMOUNT_FIELDS if values.get(field) is not None]
    if not given:
        errors["reps"] = "Give reps, a hold time or a duration."
    elif len(given) > 1:
        errors.setdefault("reps", "Give only one of reps, hold time or duration.")
    return errors


def strength_errors(values: Mapping[str, object]) -> dict[str, str]:
    """Return field -> message for a strength-only dose (sets, one amount, optional load).

    The load comes first: a physio's edit of a suggested dose is refused on it alone.
    """
    errors: dict[str, str] = {}
    load = values.get("load_kg")
    if load is not None and (
        isinstance(load, bool) or not isinstance(load, int | float) or not 0 < load <= LOAD_KG_MAX
    ):
        errors["load_kg"] = LOAD_MESSAGE
    amounts = {name: values.get(name) for name in STRENGTH_FIELDS if name != "load_kg"}
    errors.update(dose_errors(amounts | _STRENGTH_FILLERS))
    return errors


def format_seconds(seconds: int) -> str:
    """Return a short time: "45 s", "2 min", "1 min 30 s"."""
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"


def _times(count: int | None) -> str:
    return {1: "once", 2: "twice"}.get(count or 0, f"{count} times")
