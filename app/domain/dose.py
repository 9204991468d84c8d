"""Exercise dose: the allowed ranges, one validation function and patient-friendly wording."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from app.domain.errors import Refused

SETS_RANGE = (1, 10)
REPS_RANGE = (1, 100)
HOLD_SECONDS_RANGE = (1, 600)
DURATION_SECONDS_RANGE = (1, 7200)
REST_SECONDS_RANGE = (0, 600)
TIMES_PER_WEEK_RANGE = (1, 7)
TIMES_PER_DAY_RANGE = (1, 5)
SIDES = ("both", "left", "right", "each")

# Exactly one of these says how much of each set to do.
AMOUNT_FIELDS = ("reps", "hold_seconds", "duration_seconds")

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

_SIDE_WORDS = {"both": "", "left": ", left side", "right": ", right side", "each": ", each side"}


@dataclass(frozen=True)
class Dose:
    """A valid dose; build it with Dose.from_mapping to get the range checks."""

    sets: int
    rest_seconds: int
    side: str
    times_per_week: int
    times_per_day: int
    reps: int | None = None
    hold_seconds: int | None = None
    duration_seconds: int | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> "Dose":
        """Build a Dose from form or file values, raising InvalidDose when any is wrong."""
        errors = dose_errors(values)
        if errors:
            raise InvalidDose(errors)
        fields = (*REQUIRED_FIELDS, *AMOUNT_FIELDS)
        return cls(**{name: values.get(name) for name in fields})  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        """Return the dose as a plain dict."""
        return asdict(self)

    def describe(self) -> str:
        """Return the dose in words, e.g. "3 sets of 12, each side"."""
        return describe_dose(
            self.sets,
            reps=self.reps,
            hold_seconds=self.hold_seconds,
            duration_seconds=self.duration_seconds,
            side=self.side,
        )


class InvalidDose(Refused):
    """Raised by Dose.from_mapping; .errors maps field -> message."""


def _is_whole_number(value: object) -> bool:
    # bool is a subclass of int, but "sets: true" is a mistake, not 1 set.
    return isinstance(value, int) and not isinstance(value, bool)


def dose_errors(values: Mapping[str, object]) -> dict[str, str]:
    """Return field -> message for every problem in a dose; empty when the dose is valid."""
    errors: dict[str, str] = {}
    for field, ((low, high), label, unit) in DOSE_RANGES.items():
        value = values.get(field)
        if value is None:
            if field in REQUIRED_FIELDS:
                errors[field] = f"{label} is required."
        elif not _is_whole_number(value):
            errors[field] = f"{label} must be a whole number."
        elif not low <= value <= high:  # type: ignore[operator]
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


def format_seconds(seconds: int) -> str:
    """Return a short time: "45 s", "2 min", "1 min 30 s"."""
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" if not rest else f"{minutes} min {rest} s"


def describe_dose(
    sets: int,
    *,
    reps: int | None = None,
    hold_seconds: int | None = None,
    duration_seconds: int | None = None,
    side: str = "both",
) -> str:
    """Return the dose in patient words: "3 sets of 12, each side", "5 holds of 30 s", "20 min"."""
    if reps is not None:
        text = f"{sets} {'set' if sets == 1 else 'sets'} of {reps}"
    elif hold_seconds is not None:
        text = f"{sets} {'hold' if sets == 1 else 'holds'} of {format_seconds(hold_seconds)}"
    elif duration_seconds is not None:
        time = format_seconds(duration_seconds)
        text = time if sets == 1 else f"{sets} rounds of {time}"
    else:
        text = f"{sets} {'set' if sets == 1 else 'sets'}"
    return text + _SIDE_WORDS.get(side, "")


def describe_frequency(times_per_week: int, times_per_day: int = 1) -> str:
    """Return how often in words: "3 times a week", "every day, twice a day"."""
    week = "every day" if times_per_week == 7 else _times(times_per_week) + " a week"
    if times_per_day == 1:
        return week
    return f"{week}, {_times(times_per_day)} a day"


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")
