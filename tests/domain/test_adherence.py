"""Adherence: done tick units over due tick units (clinical.md section 3)."""

from datetime import date, timedelta

import pytest

from app.domain.adherence import (
    Ratio,
    adherence_by_line,
    adherence_by_week,
    adherence_for_day,
    adherence_for_week,
    adherence_over,
    day_status,
    days_done,
)
from app.domain.schedule import DueItem, TickUnit

MON = date(2024, 11, 18)
TUE, WED = MON + timedelta(days=1), MON + timedelta(days=2)

BRIDGE = DueItem(line_id=1, exercise_id=11, version_id=1, sessions=1, sides=("both",))
CLAM = DueItem(line_id=2, exercise_id=12, version_id=1, sessions=1, sides=("left", "right"))
STRETCH = DueItem(line_id=3, exercise_id=13, version_id=1, sessions=2, sides=("both",))

DUE = {MON: [BRIDGE, CLAM, STRETCH], TUE: [], WED: [CLAM]}


def ticks(day, *units):
    return {(day, TickUnit(*unit)) for unit in units}


@pytest.mark.parametrize(
    ("day", "done", "expected"),
    [
        pytest.param(MON, set(), Ratio(0, 5), id="nothing-done-is-0"),
        pytest.param(
            MON,
            ticks(
                MON, (1, 1, "both"), (2, 1, "left"), (2, 1, "right"), (3, 1, "both"), (3, 2, "both")
            ),
            Ratio(5, 5),
            id="everything-done",
        ),
        pytest.param(MON, ticks(MON, (2, 1, "left")), Ratio(1, 5), id="one-side-counts-one-unit"),
        pytest.param(
            WED, ticks(WED, (2, 1, "left")), Ratio(1, 2), id="each-side-left-only-is-half"
        ),
        pytest.param(MON, ticks(MON, (3, 1, "both")), Ratio(1, 5), id="second-session-still-due"),
        pytest.param(TUE, ticks(TUE, (1, 1, "both")), None, id="nothing-due-is-none-not-100"),
        pytest.param(date(2024, 1, 1), set(), None, id="day-not-in-schedule-is-none"),
        pytest.param(
            WED,
            ticks(WED, (2, 1, "left"), (2, 1, "right"), (1, 1, "both"), (2, 2, "left")),
            Ratio(2, 2),
            id="extra-ticks-never-above-100",
        ),
        pytest.param(WED, ticks(MON, (2, 1, "left")), Ratio(0, 2), id="tick-on-other-day-ignored"),
        pytest.param(
            WED, {(WED, 2, 1, "left"), (WED, 2, 1, "right")}, Ratio(2, 2), id="flat-tuples-too"
        ),
    ],
)
def test_adherence_for_day_counts_due_units_done(day, done, expected):
    assert adherence_for_day(day, DUE, done) == expected


def test_adherence_over_a_window_adds_units_and_skips_rest_days():
    done = ticks(MON, (1, 1, "both")) | ticks(WED, (2, 1, "left"), (2, 1, "right"))
    assert adherence_over(MON, WED, DUE, done) == Ratio(3, 7)
    assert adherence_over(TUE, TUE, DUE, done) is None


def test_adherence_for_week_runs_monday_to_sunday():
    due = {MON + timedelta(days=n): [BRIDGE] for n in range(14)}
    done = {(MON + timedelta(days=n), TickUnit(1, 1, "both")) for n in (0, 6, 7)}
    assert adherence_for_week(MON, due, done) == Ratio(2, 7)
    assert adherence_for_week(MON + timedelta(days=7), due, done) == Ratio(1, 7)
    with pytest.raises(ValueError):
        adherence_for_week(TUE, due, done)


def test_adherence_by_week_keys_weeks_by_monday():
    due = {MON + timedelta(days=n): [BRIDGE] for n in range(14)}
    done = {(MON, TickUnit(1, 1, "both"))}
    weeks = adherence_by_week(MON + timedelta(days=5), MON + timedelta(days=8), due, done)
    assert weeks == {MON: Ratio(0, 2), MON + timedelta(days=7): Ratio(0, 2)}


def test_adherence_by_line_counts_sides_and_sessions_per_line():
    done = ticks(MON, (2, 1, "left"), (3, 2, "both")) | ticks(WED, (2, 1, "left"))
    assert adherence_by_line(MON, WED, DUE, done) == {
        1: Ratio(0, 1),
        2: Ratio(2, 4),
        3: Ratio(1, 2),
    }


@pytest.mark.parametrize(
    ("ratio", "fraction", "percent", "adherent"),
    [
        pytest.param(Ratio(4, 5), 0.8, 80, True, id="80-is-adherent"),
        pytest.param(Ratio(7, 9), 7 / 9, 78, False, id="78-is-not"),
        pytest.param(Ratio(1, 8), 0.125, 13, False, id="half-percent-rounds-up"),
        pytest.param(Ratio(0, 3), 0.0, 0, False, id="zero"),
    ],
)
def test_ratio_reads_as_fraction_and_percent(ratio, fraction, percent, adherent):
    assert ratio.fraction == pytest.approx(fraction)
    assert ratio.percent == percent
    assert ratio.is_adherent is adherent


@pytest.mark.parametrize(("done", "due"), [(0, 0), (3, 2), (-1, 2)])
def test_ratio_refuses_impossible_counts(done, due):
    with pytest.raises(ValueError):
        Ratio(done, due)


@pytest.mark.parametrize(
    ("day", "done", "status"),
    [
        pytest.param(WED, ticks(WED, (2, 1, "left"), (2, 1, "right")), "done", id="all-done"),
        pytest.param(WED, ticks(WED, (2, 1, "right")), "partial", id="some-done"),
        pytest.param(WED, set(), "missed", id="none-done"),
        pytest.param(TUE, ticks(TUE, (1, 1, "both")), "rest", id="nothing-due"),
    ],
)
def test_day_status_for_the_calendar_strip(day, done, status):
    assert day_status(day, DUE, done) == status


def test_days_done_covers_every_day_asked_for():
    assert days_done(MON, WED, DUE, set()) == {MON: "missed", TUE: "rest", WED: "missed"}
