"""What is due for a patient on a local date, via due_for_patient (table-driven)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.services import programmes as svc
from app.services.plans import due_for_patient, due_for_patient_between

MON, TUE, WED, THU, FRI, SAT, SUN = (1 << day for day in range(7))


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@pytest.fixture
def plan(make, physio, patient):
    """Starts Wed 4 Nov 2026. Phase 1: clamshell 3 x a week, bridge Tue + Sun twice a day,
    side plank each side twice a week. Phase 2 (from Thu 12 Nov): banded clamshell every day."""
    clam = make.exercise("clamshell", name="Clamshell")
    bridge = make.exercise("bridge", name="Bridge")
    plank = make.exercise("side-plank", name="Side plank")
    banded = make.exercise("banded-clamshell", name="Banded clamshell")
    template = make.template([("Isometric", [clam, bridge, plank]), ("Isotonic", [banded])])
    programme = svc.assign_programme(
        physio, patient, template, date(2026, 11, 4), now=noon(date(2026, 11, 2))
    )
    draft = svc.draft_for(programme)
    draft.set_dose(1, times_per_week=3)
    draft.set_dose(2, days_of_week=TUE | SUN, times_per_day=2)
    draft.set_dose(3, times_per_week=2, side="each")
    draft.set_dose(4, days_of_week=0b1111111)
    svc.commit_draft(physio, programme, draft, now=noon(date(2026, 11, 2)))
    draft = svc.draft_for(programme)
    draft.set_phase(1)
    svc.commit_draft(physio, programme, draft, now=noon(date(2026, 11, 12)))
    return programme


@pytest.mark.parametrize(
    ("day", "lines"),
    [
        (date(2026, 11, 3), []),  # Tuesday before the start date
        (date(2026, 11, 4), [1]),  # Wednesday, the start date
        (date(2026, 11, 5), [3]),  # Thursday: side plank's second day of the week
        (date(2026, 11, 6), [1]),
        (date(2026, 11, 7), []),  # Saturday
        (date(2026, 11, 8), [2]),  # Sunday, the last day of the week
        (date(2026, 11, 9), [1, 3]),  # Monday: a new week starts the pattern again
        (date(2026, 11, 10), [2]),
        (date(2026, 11, 11), [1]),  # Wednesday, still phase 1
        (date(2026, 11, 12), [4]),  # Thursday: moved to phase 2 mid-week
        (date(2026, 11, 13), [4]),
        (date(2026, 11, 15), [4]),  # Sunday: phase 1's bridge is no longer due
    ],
)
def test_due_for_patient_follows_days_weeks_and_phases(plan, patient, day, lines):
    assert [item.line_id for item in due_for_patient(patient, day)] == lines


def test_sessions_and_sides_make_the_tick_units(plan, patient):
    (bridge,) = due_for_patient(patient, date(2026, 11, 8))
    assert (bridge.sessions, bridge.sides) == (2, ("both",))
    plank = due_for_patient(patient, date(2026, 11, 9))[1]
    assert plank.sides == ("left", "right")
    assert len(plank.units) == 2


def test_due_items_name_the_version_they_belong_to(plan, patient):
    before, after = (
        due_for_patient(patient, date(2026, 11, 11)),
        due_for_patient(patient, date(2026, 11, 12)),
    )
    assert before[0].version_id != after[0].version_id
    assert after[0].version_id == plan.current_version_id


@pytest.mark.parametrize(
    ("times_per_week", "weekdays"),
    [(1, [0]), (2, [0, 3]), (3, [0, 2, 4]), (4, [0, 1, 3, 4]), (7, list(range(7)))],
)
def test_times_per_week_are_spread_over_the_week(make, patient, times_per_week, weekdays):
    make.programme(patient, days_of_week=None, times_per_week=times_per_week)
    monday = date(2026, 11, 9)
    due = due_for_patient_between(patient, monday, monday + timedelta(days=6))
    assert [day.weekday() for day, items in due.items() if items] == weekdays


def test_an_archived_programme_runs_until_its_successor_starts(make, physio, patient, plan):
    new_start = date(2026, 11, 19)  # a Thursday
    svc.assign_programme(physio, patient, None, new_start, now=noon(date(2026, 11, 16)))
    due = due_for_patient_between(patient, date(2026, 11, 17), date(2026, 11, 20))
    assert [len(items) for items in due.values()] == [1, 1, 0, 0]
