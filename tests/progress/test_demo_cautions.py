"""The demo never prescribes or suggests an exercise not advised for the patient's condition."""

import sqlalchemy as sa

from app.domain.cautions import not_advised_for
from app.extensions import db
from app.models import Exercise, Patient, Prescription, Programme, ProgrammeVersion, Suggestion


def test_demo_plans_and_suggestions_avoid_exercises_not_advised(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    patients = db.session.scalars(sa.select(Patient)).all()
    assert "gluteal-tendinopathy" in {p.condition for p in patients}
    for patient in patients:
        prescribed = db.session.scalars(
            sa.select(Exercise)
            .join(Prescription, Prescription.exercise_id == Exercise.id)
            .join(ProgrammeVersion, Prescription.version_id == ProgrammeVersion.id)
            .join(Programme, ProgrammeVersion.programme_id == Programme.id)
            .where(Programme.patient_id == patient.id)
        ).all()
        proposals = db.session.scalars(
            sa.select(Suggestion.proposal).where(Suggestion.patient_id == patient.id)
        ).all()
        changes = [line["change"] for p in proposals if p for line in p["lines"]]
        proposed = [
            db.session.get(Exercise, c["to_exercise_id"])
            for c in changes
            if c and c.get("to_exercise_id")
        ]
        for exercise in [*prescribed, *proposed]:
            assert not not_advised_for(exercise.cautions, patient.condition), exercise.slug
