"""extensions.run: a Core statement on db.session's connection reads what the session holds."""

import sqlalchemy as sa

from app.extensions import db, run
from app.models import Patient


def _stored_usual_pain(patient: Patient) -> int | None:
    return run(sa.select(Patient.usual_pain).where(Patient.id == patient.id)).scalar_one()


def test_run_flushes_pending_changes_first_as_session_execute_would(patient):  # type: ignore[no-untyped-def]
    db.session.flush()
    patient.usual_pain = 7  # pending in the session, not yet sent
    assert _stored_usual_pain(patient) == 7


def test_run_inside_no_autoflush_leaves_pending_changes_pending(patient):  # type: ignore[no-untyped-def]
    patient.usual_pain = 2
    db.session.flush()
    with db.session.no_autoflush:
        patient.usual_pain = 7
        assert _stored_usual_pain(patient) == 2
    assert _stored_usual_pain(patient) == 7
