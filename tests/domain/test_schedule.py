"""What is due on a day: start and end dates, weekdays, spreading, versions and phases."""

from datetime import date, timedelta

import pytest

from app.domain.localtime import days_between
from app.domain.schedule import (
    WEEKLY_PATTERN,
    DueItem,
    PlanSnapshot,
    PrescriptionSpec,
    ProgrammePlan,
    TickUnit,
    back_to_back_days,
    due_between,
    due_by_day,
    due_on,
    due_units_by_day,
    mask_from_weekdays,
    plan_on,
    programme_on,
    version_in_force,
    weekdays_from_mask,
)

MON = date(2024, 11, 18)  # a Monday
TUE, WED, THU, FRI, SAT, SUN = (MON + timedelta(days=n) for n in range(1, 7))
NEXT_MON = MON + timedelta(days=7)


def spec(line_id=1, *, days=None, per_week=None, phase=0, side="both", per_day=1):
    if days is None and per_week is None:
        per_week = 7
    return PrescriptionSpec(
        line_id=line_id,
        exercise_id=100 + line_id,
        phase=phase,
        side=side,
        days_of_week=None if days is None else frozenset(days),
        times_per_week=per_week,
        times_per_day=per_day,
    )


def version(version_id, effective_from, *specs, phase=0):
    return PlanSnapshot(version_id, effective_from, phase, tuple(specs))


def lines_due(start, versions, day, end=None):
    return [item.line_id for item in due_on(start, versions, day, end)]


EVERY_DAY = [version(1, MON, spec(1))]
# Version 2 from Wednesday: line 1 swapped for line 2, and line 3 added.
MID_WEEK = [version(1, MON, spec(1)), version(2, WED, spec(2), spec(3))]
# Version 2 from Wednesday moves the patient to phase 1.
PHASES = [
    version(1, MON, spec(1, phase=0), spec(2, phase=1), phase=0),
    version(2, WED, spec(1, phase=0), spec(2, phase=1), phase=1),
]


@pytest.mark.parametrize(
    ("start", "versions", "day", "end", "expected"),
    [
        pytest.param(TUE, EVERY_DAY, MON, None, [], id="nothing-before-start-date"),
        pytest.param(TUE, EVERY_DAY, TUE, None, [1], id="due-on-start-date"),
        pytest.param(MON, EVERY_DAY, MON - timedelta(1), None, [], id="nothing-before-version"),
        pytest.param(MON, EVERY_DAY, FRI, FRI, [1], id="due-on-end-date"),
        pytest.param(MON, EVERY_DAY, SAT, FRI, [], id="nothing-after-end-date"),
        pytest.param(MON, MID_WEEK, TUE, None, [1], id="old-version-before-change"),
        pytest.param(MON, MID_WEEK, WED, None, [2, 3], id="new-version-on-its-first-day"),
        pytest.param(MON, MID_WEEK, SUN, None, [2, 3], id="new-version-later-in-week"),
        pytest.param(MON, PHASES, TUE, None, [1], id="only-current-phase-before-change"),
        pytest.param(MON, PHASES, WED, None, [2], id="next-phase-from-mid-week"),
        pytest.param(
            MON,
            [version(1, MON, spec(1)), version(2, MON, spec(2))],
            MON,
            None,
            [2],
            id="same-day-versions-highest-id-wins",
        ),
        pytest.param(
            MON,
            [version(1, MON, spec(2), spec(1), spec(3))],
            MON,
            None,
            [2, 1, 3],
            id="prescription-order-kept",
        ),
        pytest.param(MON, [], MON, None, [], id="no-versions"),
    ],
)
def test_due_on_respects_dates_versions_and_phases(start, versions, day, end, expected):
    assert lines_due(start, versions, day, end) == expected


WEEK = [MON, TUE, WED, THU, FRI, SAT, SUN]


@pytest.mark.parametrize(
    ("prescription", "due_days"),
    [
        pytest.param(spec(per_week=1), [MON], id="once-a-week-monday"),
        pytest.param(spec(per_week=2), [MON, THU], id="twice-mon-thu"),
        pytest.param(spec(per_week=3), [MON, WED, FRI], id="three-mon-wed-fri"),
        pytest.param(spec(per_week=4), [MON, TUE, THU, FRI], id="four-mon-tue-thu-fri"),
        pytest.param(spec(per_week=5), [MON, TUE, WED, THU, FRI], id="five-weekdays"),
        pytest.param(spec(per_week=6), [MON, TUE, WED, THU, FRI, SAT], id="six-mon-sat"),
        pytest.param(spec(per_week=7), WEEK, id="seven-every-day"),
        pytest.param(spec(days={1, 6}), [TUE, SUN], id="chosen-days-tue-sun"),
        pytest.param(spec(days={6}), [SUN], id="chosen-sunday-only"),
    ],
)
def test_weekly_spread_is_a_fixed_pattern(prescription, due_days):
    versions = [version(1, MON, prescription)]
    assert [day for day in WEEK if due_on(MON, versions, day)] == due_days


def test_week_boundary_sunday_to_monday_restarts_the_pattern():
    versions = [version(1, MON, spec(per_week=1))]
    due = due_between(MON, versions, SAT, NEXT_MON + timedelta(days=1))
    assert [day for day, items in due.items() if items] == [NEXT_MON]


def test_due_between_gives_every_day_with_the_version_in_force():
    due = due_between(MON, MID_WEEK, MON, SUN)
    assert list(due) == WEEK
    assert [item.version_id for item in due[TUE]] == [1]
    assert [item.version_id for item in due[WED]] == [2, 2]


def test_due_between_agrees_with_due_on_for_a_year():
    versions = [
        version(1, MON, spec(1, per_week=3), spec(2, days={5, 6}, side="each")),
        version(2, MON + timedelta(days=100), spec(1, per_week=5, per_day=2), spec(4)),
        version(3, MON + timedelta(days=200), spec(4, phase=1), phase=1),
    ]
    last = MON + timedelta(days=364)
    due = due_between(MON, versions, MON - timedelta(days=3), last, end_date=last - timedelta(9))
    assert len(due) == 368
    for day, items in due.items():
        assert items == due_on(MON, versions, day, last - timedelta(9))


@pytest.mark.parametrize(
    ("side", "per_day", "units"),
    [
        pytest.param("both", 1, [(1, "both")], id="one-tick"),
        pytest.param("left", 1, [(1, "both")], id="one-side-is-one-tick"),
        pytest.param("each", 1, [(1, "left"), (1, "right")], id="each-side-two-ticks"),
        pytest.param("both", 2, [(1, "both"), (2, "both")], id="twice-a-day"),
        pytest.param(
            "each",
            2,
            [(1, "left"), (1, "right"), (2, "left"), (2, "right")],
            id="each-side-twice-a-day",
        ),
    ],
)
def test_tick_units_count_sessions_and_sides(side, per_day, units):
    [item] = due_on(MON, [version(7, MON, spec(3, side=side, per_day=per_day))], MON)
    assert item == DueItem(3, 103, 7, per_day, item.sides)
    assert item.units == tuple(TickUnit(3, session, s) for session, s in units)
    assert item.unit_count == len(units)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"days_of_week": None, "times_per_week": None}, id="neither-days-nor-count"),
        pytest.param({"days_of_week": frozenset({1}), "times_per_week": 2}, id="both-given"),
        pytest.param({"days_of_week": frozenset({7}), "times_per_week": None}, id="weekday-7"),
        pytest.param({"days_of_week": frozenset(), "times_per_week": None}, id="no-days"),
        pytest.param({"days_of_week": None, "times_per_week": 8}, id="8-a-week"),
        pytest.param({"days_of_week": None, "times_per_week": 3, "side": "up"}, id="bad-side"),
        pytest.param({"days_of_week": None, "times_per_week": 3, "times_per_day": 0}, id="0-a-day"),
    ],
)
def test_prescription_spec_refuses_impossible_schedules(kwargs):
    with pytest.raises(ValueError):
        PrescriptionSpec(**{"line_id": 1, "exercise_id": 1, "phase": 0, "side": "both", **kwargs})


def test_plan_on_picks_latest_effective_then_highest_id():
    versions = [version(3, WED), version(1, MON), version(2, MON)]
    assert plan_on(versions, TUE).version_id == 2
    assert plan_on(versions, WED).version_id == 3
    assert plan_on(versions, MON - timedelta(days=1)) is None


def test_weekday_masks_round_trip():
    assert weekdays_from_mask(0b1000101) == frozenset({0, 2, 6})
    assert mask_from_weekdays(frozenset({0, 2, 6})) == 0b1000101


@pytest.mark.parametrize(
    ("weekdays", "pairs"),
    [
        pytest.param({0, 2, 4}, [], id="mon-wed-fri-is-fine"),
        pytest.param({1, 3, 5}, [], id="tue-thu-sat-is-fine"),
        pytest.param({0, 1, 3}, [(0, 1)], id="mon-tue"),
        pytest.param({0, 2, 6}, [(6, 0)], id="sunday-then-monday"),
        pytest.param({4, 5, 6}, [(4, 5), (5, 6)], id="fri-sat-sun"),
    ],
)
def test_back_to_back_days_are_found_for_running(weekdays, pairs):
    assert back_to_back_days(frozenset(weekdays)) == pairs


def test_three_times_a_week_is_spread_over_non_consecutive_days():
    # clinical.md s. 6: running on 3 non-consecutive days a week.
    assert back_to_back_days(WEEKLY_PATTERN[3]) == []


# --- The plan in force over several programmes ----------------------------------------------


def programme(programme_id, start, end, *versions):
    return ProgrammePlan(programme_id, start, end, tuple(versions))


# An archived programme (Monday to Wednesday), then its successor from Thursday.
OLD = programme(1, MON - timedelta(days=7), WED, version(1, MON - timedelta(days=7), spec(1)))
NEW = programme(2, THU, None, version(2, THU, spec(5, per_day=2)))


@pytest.mark.parametrize(
    ("programmes", "day", "running"),
    [
        ((OLD, NEW), TUE, 1),
        ((OLD, NEW), WED, 1),  # its end date is its last day
        ((OLD, NEW), THU, 2),
        ((NEW, OLD), SUN, 2),
        ((OLD,), THU, None),  # archived and not followed: nothing runs
        ((NEW,), WED, None),  # not started yet
        ((), MON, None),
    ],
)
def test_each_day_follows_the_programme_running_then(programmes, day, running):
    found = programme_on(programmes, day)
    assert (found.programme_id if found else None) == running
    snapshot = version_in_force(programmes, day)
    assert (snapshot.version_id if snapshot else None) == running  # version ids follow suit


def test_a_later_start_takes_over_the_days_it_covers():
    overlapping = programme(3, WED, None, version(3, WED, spec(7)))
    assert programme_on((OLD, overlapping), WED).programme_id == 3
    assert programme_on((overlapping, OLD), TUE).programme_id == 1


def test_due_by_day_follows_the_running_programme_and_counts_units():
    due = due_by_day((NEW, OLD), MON, FRI)
    assert list(due) == [MON, TUE, WED, THU, FRI]
    assert [[item.line_id for item in items] for items in due.values()] == [[1], [1], [1], [5], [5]]
    assert due_units_by_day((OLD, NEW), WED, THU) == {WED: 1, THU: 2}
    assert due_by_day((), MON, TUE) == {MON: [], TUE: []}
    assert due_units_by_day((OLD,), THU, FRI) == {THU: 0, FRI: 0}


def test_days_between_includes_both_ends():
    assert days_between(MON, WED) == [MON, TUE, WED]
    assert days_between(MON, MON) == [MON]
    assert days_between(TUE, MON) == []


def test_due_units_by_day_are_the_units_of_due_by_day_for_a_year():
    # due_units_by_day sums each version's weekday once: it must agree with counting the items.
    later = programme(
        3,
        NEXT_MON,
        None,
        version(3, NEXT_MON, spec(7, side="each"), spec(8, per_week=3)),
        version(4, NEXT_MON + timedelta(days=40), spec(9, days=[0, 4], per_day=3)),
    )
    programmes = (OLD, NEW, later)
    first, last = MON - timedelta(days=14), MON + timedelta(days=365)
    expected = {
        day: sum(item.unit_count for item in items)
        for day, items in due_by_day(programmes, first, last).items()
    }
    assert due_units_by_day(programmes, first, last) == expected
    assert list(due_units_by_day(programmes, first, last)) == list(expected)
