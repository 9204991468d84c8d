"""The service with a fixed clock: timezones near midnight, daylight saving, check-ins, catch-up."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.domain.events import parse_event
from app.domain.pain import ZONE_ADVICE, Zone
from app.extensions import db
from app.models import CheckIn, DaySummary, ExerciseLog, SyncEvent
from app.services.activity import DayState, apply_events, today_view, week_view
from tests.factories import checkin, tick

TUESDAY_UTC_LATE_MORNING = datetime(2026, 11, 3, 11, 30, tzinfo=UTC)


def _apply(patient, events, now):  # type: ignore[no-untyped-def]
    results = apply_events(patient, [parse_event(e) for e in events], now)
    db.session.flush()
    return results


def test_auckland_is_already_tomorrow_while_los_angeles_is_still_today(make, physio):  # type: ignore[no-untyped-def]
    auckland = make.patient(physio, timezone="Pacific/Auckland")
    los_angeles = make.patient(physio, timezone="America/Los_Angeles")
    for patient in (auckland, los_angeles):
        make.programme(patient, start=date(2026, 10, 1))
    now = TUESDAY_UTC_LATE_MORNING  # 00:30 Wednesday in Auckland, 03:30 Tuesday in Los Angeles
    wednesday = date(2026, 11, 4)
    [nz] = _apply(auckland, [tick(1, wednesday)], now)
    [la] = _apply(los_angeles, [tick(1, wednesday)], now)
    assert nz.status == "applied"
    assert la.status == "rejected" and "future" in la.errors["local_date"]
    assert today_view(auckland, now=now).day == wednesday
    assert today_view(los_angeles, now=now).day == date(2026, 11, 3)


def test_the_catch_up_window_moves_with_the_patients_midnight(make, physio):  # type: ignore[no-untyped-def]
    auckland = make.patient(physio, timezone="Pacific/Auckland")
    make.programme(auckland, start=date(2026, 10, 1))
    just_before_midnight = datetime(2026, 11, 3, 10, 59, tzinfo=UTC)  # 23:59 Tue in Auckland
    just_after_midnight = datetime(2026, 11, 3, 11, 0, tzinfo=UTC)  # 00:00 Wed
    sunday = date(2026, 11, 1)
    assert _apply(auckland, [tick(1, sunday)], just_before_midnight)[0].status == "applied"
    [late] = _apply(auckland, [tick(1, sunday, session=1, type="untick")], just_after_midnight)
    assert late.status == "rejected" and "2 days back" in late.errors["local_date"]


def test_a_daylight_saving_day_in_london_is_one_ordinary_day(make, physio):  # type: ignore[no-untyped-def]
    london = make.patient(physio, timezone="Europe/London")
    make.programme(london, start=date(2026, 3, 1))
    # Clocks go forward at 01:00 UTC on Sunday 29 March 2026: 23:30 UTC is 00:30 on the 30th.
    now = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    assert today_view(london, now=now).day == date(2026, 3, 30)
    results = _apply(london, [tick(1, date(2026, 3, 30)), tick(1, date(2026, 3, 28))], now)
    assert [r.status for r in results] == ["applied", "applied"]
    # In winter time the same UTC clock is still the 29th... the day before the change.
    assert today_view(london, now=datetime(2026, 3, 28, 23, 30, tzinfo=UTC)).day == date(
        2026, 3, 28
    )
    # And the autumn change (25 October 2026) keeps 23:30 UTC on the same local day.
    assert today_view(london, now=datetime(2026, 10, 25, 23, 30, tzinfo=UTC)).day == date(
        2026, 10, 25
    )


def test_morning_pain_two_above_usual_is_red_and_one_above_is_amber(make, physio):  # type: ignore[no-untyped-def]
    patient = make.patient(physio, usual_pain=2)
    make.programme(patient, start=date(2026, 10, 1))
    now = TUESDAY_UTC_LATE_MORNING
    monday = date(2026, 11, 2)
    [red] = _apply(patient, [checkin("morning", monday, 4)], now)
    assert red.zone == Zone.RED
    summary = db.session.scalar(sa.select(DaySummary).where(DaySummary.local_date == monday))
    assert (summary.morning_pain, summary.usual_pain, summary.zone) == (4, 2, "red")
    [amber] = _apply(patient, [checkin("morning", monday, 3)], now)
    assert amber.zone == Zone.AMBER
    stored = db.session.scalar(sa.select(CheckIn).where(CheckIn.patient_id == patient.id))
    assert (stored.pain, stored.edits, stored.usual_pain) == (3, 1, 2)
    assert (
        db.session.scalar(sa.select(DaySummary.zone).where(DaySummary.local_date == monday))
        == "amber"
    )
    view = today_view(patient, now=now)
    assert view.morning.session_date == monday and not view.morning.due
    assert view.morning.advice == ZONE_ADVICE[Zone.AMBER]


def test_morning_check_in_defaults_to_the_day_before_it_is_entered(make, physio):  # type: ignore[no-untyped-def]
    patient = make.patient(physio, usual_pain=1)
    make.programme(patient, start=date(2026, 10, 1))
    event = checkin("morning", date(2026, 11, 2), 1)
    del event["session_date"]
    event["local_date"] = "2026-11-02"  # entered on Monday morning, offline, synced Tuesday
    _apply(patient, [event], TUESDAY_UTC_LATE_MORNING)
    assert db.session.scalar(sa.select(CheckIn.session_date)) == date(2026, 11, 1)


def test_a_morning_check_in_cannot_be_about_today(make, physio):  # type: ignore[no-untyped-def]
    patient = make.patient(physio)
    make.programme(patient, start=date(2026, 10, 1))
    [result] = _apply(patient, [checkin("morning", date(2026, 11, 3), 2)], TUESDAY_UTC_LATE_MORNING)
    assert result.status == "rejected" and "session_date" in result.errors


def test_during_pain_sets_the_days_zone_and_the_note_is_kept(make, physio):  # type: ignore[no-untyped-def]
    patient = make.patient(physio)
    make.programme(patient, start=date(2026, 10, 1))
    now = TUESDAY_UTC_LATE_MORNING
    tuesday = date(2026, 11, 3)
    [result] = _apply(
        patient, [checkin("during", tuesday, 4, note="Knee ached on the stairs")], now
    )
    assert result.zone == Zone.AMBER
    view = today_view(patient, now=now)
    assert view.during.pain == 4 and view.during.note == "Knee ached on the stairs"
    assert view.zone == Zone.AMBER and view.advice == ZONE_ADVICE[Zone.AMBER]
    [too_long] = _apply(patient, [checkin("during", tuesday, 4, note="x" * 1001)], now)
    assert too_long.status == "rejected" and "note" in too_long.errors


def test_the_programme_versions_thresholds_decide_the_zone(make, physio):  # type: ignore[no-untyped-def]
    patient = make.patient(physio)
    programme = make.programme(patient, start=date(2026, 10, 1))
    programme.current_version.green_max_during = 2
    db.session.flush()
    [result] = _apply(patient, [checkin("during", date(2026, 11, 3), 3)], TUESDAY_UTC_LATE_MORNING)
    assert result.zone == Zone.AMBER


def test_the_morning_prompt_appears_after_a_day_with_exercise(make, physio):  # type: ignore[no-untyped-def]
    patient = make.patient(physio, usual_pain=3)
    make.programme(patient, start=date(2026, 10, 1), days_of_week=0b0000001)  # Mondays only
    tuesday = today_view(patient, now=TUESDAY_UTC_LATE_MORNING)
    assert tuesday.state == DayState.REST_DAY
    assert tuesday.morning.due and tuesday.morning.session_date == date(2026, 11, 2)
    assert tuesday.morning.usual_pain == 3
    wednesday = today_view(patient, now=TUESDAY_UTC_LATE_MORNING + timedelta(days=1))
    assert wednesday.morning is None  # Tuesday was a rest day with nothing logged


def test_catch_up_reaches_two_days_back_and_never_forward(make, physio):  # type: ignore[no-untyped-def]
    patient = make.patient(physio)
    make.programme(patient, start=date(2026, 10, 1))
    now = TUESDAY_UTC_LATE_MORNING
    days = {
        d: _apply(patient, [tick(1, d)], now)[0].status
        for d in (
            date(2026, 10, 31),
            date(2026, 11, 1),
            date(2026, 11, 2),
            date(2026, 11, 3),
            date(2026, 11, 4),
        )
    }
    assert days == {
        date(2026, 10, 31): "rejected",
        date(2026, 11, 1): "applied",
        date(2026, 11, 2): "applied",
        date(2026, 11, 3): "applied",
        date(2026, 11, 4): "rejected",
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncEvent)) == 3


def test_a_tick_refers_to_the_version_in_force_that_day(make, physio):  # type: ignore[no-untyped-def]

    patient = make.patient(physio)
    programme = make.programme(patient, start=date(2026, 10, 1))
    old = programme.current_version
    new = make.version(
        programme,
        date(2026, 11, 3),
        [{"exercise_id": old.prescriptions[0].exercise_id, "sets": 4, "reps": 12}],
        current=False,
        created_by_id=None,
        summary="More reps",
    )
    now = TUESDAY_UTC_LATE_MORNING
    _apply(patient, [tick(1, date(2026, 11, 2)), tick(1, date(2026, 11, 3))], now)
    logs = {log.local_date: log for log in db.session.scalars(sa.select(ExerciseLog))}
    assert logs[date(2026, 11, 2)].prescription_id == old.prescriptions[0].id
    assert logs[date(2026, 11, 3)].prescription_id == new.prescriptions[0].id
    assert (logs[date(2026, 11, 2)].sets_done, logs[date(2026, 11, 3)].sets_done) == (3, 4)
    view = today_view(patient, now=now)
    assert view.items[0].dose.describe() == "4 sets of 12"
    [stale] = _apply(
        patient, [tick(1, date(2026, 11, 3), prescription_id=old.prescriptions[0].id)], now
    )
    assert stale.status == "rejected"


def test_today_view_counts_exercises_and_units(make, physio):  # type: ignore[no-untyped-def]
    patient = make.patient(physio)
    exercises = [make.exercise(name=n) for n in ("Clamshell", "Bridge", "Side plank")]
    make.programme(patient, exercises, start=date(2026, 10, 1), side="each")
    now = TUESDAY_UTC_LATE_MORNING
    tuesday = date(2026, 11, 3)
    _apply(
        patient,
        [
            tick(1, tuesday, side="left"),
            tick(1, tuesday, side="right"),
            tick(2, tuesday, side="left"),
        ],
        now,
    )
    view = today_view(patient, now=now)
    assert view.state == DayState.DUE
    assert [i.name for i in view.items] == ["Clamshell", "Bridge", "Side plank"]
    assert view.progress_text == "1 of 3 done"
    assert (view.done_units, view.due_units) == (3, 6)
    assert not view.all_done
    assert view.items[0].dose.describe() == "3 sets of 10, each side"
    _apply(
        patient,
        [
            tick(2, tuesday, side="right"),
            tick(3, tuesday, side="left"),
            tick(3, tuesday, side="right"),
        ],
        now,
    )
    assert today_view(patient, now=now).all_done


def test_week_summary_counts_days_and_adherence_so_far(make, physio):  # type: ignore[no-untyped-def]
    patient = make.patient(physio)
    make.programme(patient, start=date(2026, 10, 1), days_of_week=0b0000111)  # Mon, Tue, Wed
    thursday = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
    _apply(patient, [tick(1, date(2026, 11, 3)), tick(1, date(2026, 11, 4))], thursday)
    view = week_view(patient, now=thursday)
    assert (view.days_done, view.days_with_exercise, view.percent) == (2, 3, 67)
    statuses = dict(view.days)
    assert statuses[date(2026, 11, 2)] == "missed"
    assert statuses[date(2026, 11, 5)] == "rest"
    assert statuses[date(2026, 11, 8)] == "upcoming"
    assert "Every session counts" in view.message
