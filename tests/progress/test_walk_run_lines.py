"""Return-to-running lines: the walk-run levels and the 30-minute continuous run that ends them."""

from datetime import timedelta

import sqlalchemy as sa

from app.domain.schedule import mask_from_weekdays
from app.extensions import db
from app.models import Prescription, Suggestion
from app.services import suggestions as service
from tests.progress.decisions import change_of


def test_continuous_run_done_twice_comfortably_runs_about_10pc_longer(make, patient, today):
    level_5 = make.exercise(
        "walk-run-level-5", name="Walk-run level 5", position="running", walk_run=True
    )
    run = make.exercise(
        "continuous-run-30-min",
        name="Continuous run, 30 minutes",
        position="running",
        walk_run=True,
        regression_id=level_5.id,
    )
    level_5.progression_id = run.id
    programme = make.programme(patient, [run], start=today - timedelta(days=30), sets=1)
    [line] = db.session.scalars(
        sa.select(Prescription).where(Prescription.version_id == programme.current_version_id)
    ).all()
    line.reps, line.duration_seconds = None, 1800
    # Runs on two days a week, 3 and 1 days ago: two sessions of the plan in a row.
    run_days = [(today - timedelta(days=n)).weekday() for n in (3, 1)]
    line.days_of_week, line.times_per_week = mask_from_weekdays(frozenset(run_days)), None
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1))
    for days_ago in (3, 1):  # two sessions, pain 2/10 at most, back to usual next morning
        day = today - timedelta(days=days_ago)
        make.log(patient, line, day, sets_done=1, pain=1)
    service.refresh_for_patient(patient, today)
    [suggestion] = db.session.scalars(
        sa.select(Suggestion).where(
            Suggestion.patient_id == patient.id, Suggestion.status == "pending"
        )
    ).all()
    assert suggestion.rule == "progress_run_volume"
    assert change_of(suggestion) == {"action": "dose", "sets": 1, "duration_seconds": 1980}
    assert "no more than 10% more running a week" in suggestion.reason
