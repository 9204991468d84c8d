"""Dose ranges, messages and patient wording."""

import pytest

from app.domain.dose import (
    SETS_RANGE,
    Dose,
    InvalidDose,
    describe_dose,
    describe_frequency,
    dose_errors,
    format_seconds,
)

VALID = {
    "sets": 3,
    "reps": 12,
    "rest_seconds": 60,
    "side": "each",
    "times_per_week": 3,
    "times_per_day": 1,
}


def with_values(**changes: object) -> dict[str, object]:
    values = {**VALID, **changes}
    return {key: value for key, value in values.items() if value is not None}


def test_valid_dose_has_no_errors() -> None:
    assert dose_errors(VALID) == {}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sets": 0}, "sets", "Sets must be between 1 and 10."),
        ({"sets": 11}, "sets", "Sets must be between 1 and 10."),
        ({"reps": 0}, "reps", "Reps must be between 1 and 100."),
        ({"reps": 101}, "reps", "Reps must be between 1 and 100."),
        (
            {"reps": None, "hold_seconds": 601},
            "hold_seconds",
            "Hold time must be between 1 and 600 seconds.",
        ),
        (
            {"reps": None, "duration_seconds": 7201},
            "duration_seconds",
            "Duration must be between 1 and 7200 seconds.",
        ),
        ({"rest_seconds": -1}, "rest_seconds", "Rest must be between 0 and 600 seconds."),
        ({"rest_seconds": 601}, "rest_seconds", "Rest must be between 0 and 600 seconds."),
        ({"times_per_week": 0}, "times_per_week", "Times per week must be between 1 and 7."),
        ({"times_per_week": 8}, "times_per_week", "Times per week must be between 1 and 7."),
        ({"times_per_day": 6}, "times_per_day", "Times per day must be between 1 and 5."),
        ({"side": "middle"}, "side", "Side must be one of: both, left, right, each."),
        ({"side": None}, "side", "Side is required."),
        ({"sets": None}, "sets", "Sets is required."),
        ({"sets": 2.5}, "sets", "Sets must be a whole number."),
        ({"sets": True}, "sets", "Sets must be a whole number."),
        ({"reps": None}, "reps", "Give reps, a hold time or a duration."),
        ({"hold_seconds": 30}, "reps", "Give only one of reps, hold time or duration."),
        (
            {"reps": None, "hold_seconds": 30, "duration_seconds": 60},
            "reps",
            "Give only one of reps, hold time or duration.",
        ),
    ],
)
def test_dose_errors_name_the_field_with_a_clear_message(
    changes: dict[str, object], field: str, message: str
) -> None:
    assert dose_errors(with_values(**changes))[field] == message


@pytest.mark.parametrize(
    "changes",
    [
        {"sets": SETS_RANGE[0]},
        {"sets": SETS_RANGE[1]},
        {"reps": 1},
        {"reps": 100},
        {"reps": None, "hold_seconds": 600},
        {"reps": None, "duration_seconds": 7200},
        {"rest_seconds": 0},
        {"times_per_week": 7, "times_per_day": 5},
        {"side": "left"},
    ],
)
def test_range_edges_are_allowed(changes: dict[str, object]) -> None:
    assert dose_errors(with_values(**changes)) == {}


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [
        ({"sets": 3, "reps": 12, "side": "each"}, "3 sets of 12, each side"),
        ({"sets": 1, "reps": 10, "side": "both"}, "1 set of 10"),
        ({"sets": 5, "hold_seconds": 30, "side": "both"}, "5 holds of 30 s"),
        ({"sets": 1, "hold_seconds": 90, "side": "left"}, "1 hold of 1 min 30 s, left side"),
        ({"sets": 1, "duration_seconds": 1200, "side": "both"}, "20 min"),
        ({"sets": 5, "duration_seconds": 360, "side": "both"}, "5 rounds of 6 min"),
        ({"sets": 2, "reps": 8, "side": "right"}, "2 sets of 8, right side"),
    ],
)
def test_describe_dose_reads_like_a_patient_instruction(kwargs: dict, text: str) -> None:
    sets = kwargs.pop("sets")
    assert describe_dose(sets, **kwargs) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(45, "45 s"), (60, "1 min"), (150, "2 min 30 s"), (1800, "30 min")]
)
def test_format_seconds(seconds: int, text: str) -> None:
    assert format_seconds(seconds) == text


@pytest.mark.parametrize(
    ("per_week", "per_day", "text"),
    [
        (3, 1, "3 times a week"),
        (1, 1, "once a week"),
        (7, 1, "every day"),
        (7, 2, "every day, twice a day"),
        (2, 3, "twice a week, 3 times a day"),
    ],
)
def test_describe_frequency(per_week: int, per_day: int, text: str) -> None:
    assert describe_frequency(per_week, per_day) == text


def test_dose_from_valid_mapping_describes_itself() -> None:
    dose = Dose.from_mapping(VALID)
    assert dose.reps == 12 and dose.hold_seconds is None
    assert dose.describe() == "3 sets of 12, each side"


def test_dose_from_invalid_mapping_raises_with_every_error() -> None:
    with pytest.raises(InvalidDose) as caught:
        Dose.from_mapping(with_values(sets=0, side="up"))
    assert set(caught.value.errors) == {"sets", "side"}
