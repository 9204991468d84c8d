"""Suggestions never propose an exercise that is not advised for the patient's condition."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Suggestion
from app.services import suggestions as service
from tests.progress.decisions import change_of

COMPRESSION = {
    "text": "Lying on the sore side presses on the tendon.",
    "conditions": ["gluteal-tendinopathy"],
}


@pytest.fixture
def isometric_chain(make):  # type: ignore[no-untyped-def]
    """Supine isometric abduction -> side-lying abduction (cautioned for compression)."""
    supine = make.exercise("supine-isometric-abduction", name="Lying hip push-out hold")
    side_lying = make.exercise(
        "side-lying-abduction",
        name="Side-lying leg lift",
        regression_id=supine.id,
        cautions=[COMPRESSION],
    )
    supine.progression_id = side_lying.id
    db.session.flush()
    return supine, side_lying


def pending(patient) -> list[Suggestion]:  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(
            sa.select(Suggestion).where(
                Suggestion.patient_id == patient.id, Suggestion.status == "pending"
            )
        )
    )


def test_gluteal_tendinopathy_patient_gets_more_dose_not_the_cautioned_swap(
    make, patient, isometric_chain, today
):
    assert patient.condition == "gluteal-tendinopathy"
    make.programme(
        patient, [isometric_chain[0]], start=today - timedelta(days=30), sets=5, hold_seconds=30
    )
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    assert suggestion.rule == "progress_chain_end_dose"
    assert change_of(suggestion) == {"action": "dose", "sets": 5, "hold_seconds": 35}
    assert (
        "the next exercise, Side-lying leg lift, is not advised for gluteal tendinopathy "
        "(compression)" in suggestion.reason
    )


def test_another_condition_still_gets_the_swap(make, patient, isometric_chain, today):
    patient.condition = "fai"
    db.session.flush()
    make.programme(
        patient, [isometric_chain[0]], start=today - timedelta(days=30), sets=5, hold_seconds=30
    )
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    assert suggestion.rule == "progress_steady_green"
    assert change_of(suggestion)["to_exercise_id"] == isometric_chain[1].id


def test_a_red_day_does_not_send_the_patient_back_to_a_cautioned_exercise(
    make, patient, isometric_chain, today
):
    make.programme(patient, [isometric_chain[1]], start=today - timedelta(days=30), sets=3)
    # Made up for the test: here the easier exercise is the cautioned one.
    isometric_chain[0].cautions = [COMPRESSION]
    db.session.flush()
    make.days(patient, today - timedelta(days=2), today - timedelta(days=1), during=7, zone="red")
    service.refresh_for_patient(patient, today)
    [suggestion] = [s for s in pending(patient) if s.kind == "regress"]
    assert change_of(suggestion)["action"] == "dose" and change_of(suggestion)["reps"] == 7
    assert "the previous exercise, Lying hip push-out hold, is not advised" in suggestion.reason
