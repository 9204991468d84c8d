"""Dose ranges, messages and patient wording."""

from dataclasses import replace

import pytest

from app.domain.dose import (
    SETS_RANGE,
    Dose,
    InvalidDose,
    describe_change,
    dose_errors,
    format_seconds,
    strength_errors,
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
    assert Dose(**kwargs).describe() == text


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
    assert Dose(times_per_week=per_week, times_per_day=per_day).frequency() == text


def test_dose_from_valid_mapping_describes_itself() -> None:
    dose = Dose.from_mapping(VALID)
    assert dose.reps == 12 and dose.hold_seconds is None
    assert dose.describe() == "3 sets of 12, each side"


def test_dose_from_invalid_mapping_raises_with_every_error() -> None:
    with pytest.raises(InvalidDose) as caught:
        Dose.from_mapping(with_values(sets=0, side="up"))
    assert set(caught.value.errors) == {"sets", "side"}


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        (Dose(sets=3, reps=12), "3 x 12"),
        (Dose(sets=5, hold_seconds=30), "5 x 30 s hold"),
        (Dose(sets=1, duration_seconds=1200), "20 min"),
        (Dose(sets=4, duration_seconds=90), "4 x 1 min 30 s"),
        (Dose(sets=2), "2 sets"),
        (Dose(sets=3, reps=10, load_kg=5.0), "3 x 10 @ 5 kg"),
        (Dose(sets=3, reps=10, load_kg=2.5), "3 x 10 @ 2.5 kg"),
        (Dose(sets=3, reps=10, load_text="red band"), "3 x 10, red band"),
    ],
)
def test_short_dose_for_summaries(dose: Dose, text: str) -> None:
    assert dose.short() == text


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        (Dose(sets=3, reps=12, side="each"), "3 sets of 12"),
        (Dose(sets=3, reps=12, load_kg=20.0), "3 sets of 12 with 20 kg"),
        (Dose(sets=5, hold_seconds=35, load_kg=0.0), "5 holds of 35 s"),
        (Dose(sets=1, duration_seconds=1980), "33 min"),
    ],
)
def test_amount_words_leave_out_the_side_and_add_the_load(dose: Dose, text: str) -> None:
    assert dose.amount_words() == text


@pytest.mark.parametrize(
    ("days_of_week", "times_per_week", "text"),
    [
        (0b0010101, None, "Mon, Wed, Fri"),
        (0b1111111, None, "every day"),
        (0b1000000, None, "Sun"),
        (None, 7, "every day"),
        (None, 1, "once a week"),
        (None, 2, "twice a week"),
        (None, 3, "3 times a week"),
    ],
)
def test_days_in_words(days_of_week: int | None, times_per_week: int | None, text: str) -> None:
    dose = Dose(sets=3, reps=10, days_of_week=days_of_week, times_per_week=times_per_week)
    assert dose.days() == text


@pytest.mark.parametrize(
    ("per_day", "text"), [(1, "once a day"), (2, "twice a day"), (3, "3 times a day")]
)
def test_per_day_in_words(per_day: int, text: str) -> None:
    assert Dose(times_per_day=per_day).per_day() == text


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        (Dose(load_kg=5.0), "5 kg"),
        (Dose(load_kg=12.5), "12.5 kg"),
        (Dose(load_text="red band"), "red band"),
        (Dose(), ""),
    ],
)
def test_load_words(dose: Dose, text: str) -> None:
    assert dose.load_words() == text


BASE = Dose(sets=3, reps=10, times_per_week=3)


@pytest.mark.parametrize(
    ("after", "parts"),
    [
        (BASE, []),
        (replace(BASE, reps=12), ["3 x 10 -> 3 x 12"]),
        (replace(BASE, times_per_week=None, days_of_week=0b11), ["3 times a week -> Mon, Tue"]),
        (replace(BASE, times_per_day=2), ["1 -> 2 times a day"]),
        (replace(BASE, side="left"), ["side both -> left"]),
        (replace(BASE, rest_seconds=90), ["rest 1 min -> 1 min 30 s"]),
        (replace(BASE, tempo="3-1-3"), ["tempo none -> 3-1-3"]),
        (replace(BASE, sets=4, rest_seconds=30), ["3 x 10 -> 4 x 10", "rest 1 min -> 30 s"]),
    ],
)
def test_describe_change_lists_what_changed_in_order(after: Dose, parts: list[str]) -> None:
    assert describe_change(BASE, after) == parts


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"hold_seconds": 30}, replace(BASE, reps=None, hold_seconds=30)),
        ({"reps": 12}, replace(BASE, reps=12)),
        ({"days_of_week": 0b101}, replace(BASE, times_per_week=None, days_of_week=0b101)),
        ({"sets": 4}, replace(BASE, sets=4)),
        ({"reps": None}, replace(BASE, reps=None)),
    ],
)
def test_changed_clears_the_other_amounts_and_schedules(
    changes: dict[str, object], expected: Dose
) -> None:
    assert BASE.changed(**changes) == expected


def test_changed_refuses_a_name_that_is_not_a_dose_field() -> None:
    with pytest.raises(TypeError, match="unknown dose fields: colour"):
        BASE.changed(colour="red")


@pytest.mark.parametrize(
    ("dose", "field", "message"),
    [
        (replace(BASE, times_per_week=None), "days_of_week", "Choose the days of the week"),
        (replace(BASE, days_of_week=0b1), "days_of_week", "Choose the days of the week"),
        (replace(BASE, times_per_week=None, days_of_week=0), "days_of_week", "Choose at least one"),
        (replace(BASE, load_kg=501.0), "load_kg", "Load must be between 0 and 500 kg."),
        (replace(BASE, load_kg=5.0, load_text="band"), "load_text", "Give the load in kg or"),
        (replace(BASE, tempo="x" * 21), "tempo", "At most 20 characters."),
        (replace(BASE, load_text="x" * 61), "load_text", "At most 60 characters."),
        (replace(BASE, sets=0), "sets", "Sets must be between 1 and 10."),
    ],
)
def test_dose_errors_cover_schedule_load_and_texts(dose: Dose, field: str, message: str) -> None:
    assert dose.errors()[field].startswith(message)


def test_chosen_days_count_as_times_a_week_for_the_checks() -> None:
    assert replace(BASE, times_per_week=None, days_of_week=0b1111111).errors() == {}


def test_a_dose_round_trips_through_its_dict() -> None:
    dose = Dose(sets=2, hold_seconds=20, side="left", load_text="band", days_of_week=0b11)
    assert Dose.from_dict(dose.to_dict()) == dose


@pytest.mark.parametrize(
    ("values", "field"), [({"sets": 3, "colour": "red"}, "colour"), ({"reps": 10}, "sets")]
)
def test_from_dict_refuses_unknown_names_and_a_missing_sets(
    values: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidDose) as caught:
        Dose.from_dict(values)
    assert set(caught.value.errors) == {field}


def test_dose_of_a_row_reads_what_it_has() -> None:
    class Exercise:
        sets, reps, hold_seconds, duration_seconds = 2, 15, None, None
        rest_seconds, side, times_per_day, times_per_week = 30, "each", 1, 3

    assert Dose.of(Exercise()) == Dose(
        sets=2, reps=15, rest_seconds=30, side="each", times_per_week=3
    )
    assert Dose.of(Exercise()).strength() == {"sets": 2, "reps": 15}


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"sets": 3, "reps": 12}, set()),
        ({"sets": 3, "reps": 12, "load_kg": 20.5}, set()),
        ({"sets": 3, "reps": 12, "load_kg": 0}, {"load_kg"}),
        ({"sets": 3, "reps": 12, "load_kg": True}, {"load_kg"}),
        ({"sets": 3, "reps": 12, "load_kg": 501}, {"load_kg"}),
        ({"sets": 11, "reps": 12}, {"sets"}),
        ({"sets": 3}, {"reps"}),
        ({"sets": 3, "reps": 2, "hold_seconds": 5}, {"reps"}),
    ],
)
def test_strength_errors(values: dict[str, object], fields: set[str]) -> None:
    assert set(strength_errors(values)) == fields
