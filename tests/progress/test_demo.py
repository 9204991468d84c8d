"""`flask seed-demo`: six weeks of varied history, with flags and suggestions on first run."""

import sqlalchemy as sa

from app.extensions import db
from app.models import DaySummary, Flag, Patient, Programme, Suggestion, User
from app.services.caseload import caseload


def by_login(login: str) -> Patient:
    return db.session.scalar(
        sa.select(Patient).join(User, Patient.user_id == User.id).where(User.login == login)
    )


def pending_rules(patient: Patient) -> set[str]:
    """Return the rules behind the pending decisions, and behind each of their lines."""
    rows = db.session.scalars(
        sa.select(Suggestion).where(
            Suggestion.patient_id == patient.id, Suggestion.status == "pending"
        )
    ).all()
    return {row.rule for row in rows} | {
        line["rule"] for row in rows for line in (row.proposal or {}).get("lines", [])
    }


def pending_decisions(patient: Patient, kind: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Suggestion.id)).where(
            Suggestion.patient_id == patient.id,
            Suggestion.status == "pending",
            Suggestion.kind == kind,
        )
    )


def test_seed_demo_tells_three_stories(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    improving, flare, quiet = (
        by_login(f"{name}@example.com") for name in ("patient", "flare", "quiet")
    )
    for patient in (improving, flare, quiet):
        days = db.session.scalar(
            sa.select(sa.func.count(DaySummary.id)).where(DaySummary.patient_id == patient.id)
        )
        assert days >= 42
        programme = db.session.scalar(
            sa.select(Programme).where(Programme.patient_id == patient.id)
        )
        assert programme.template_id is not None  # assigned from a synced template

    assert "progress_steady_green" in pending_rules(improving)
    assert "regress_pain_above_5" in pending_rules(flare)
    assert pending_decisions(flare, "regress") == 1  # one flare, one decision for every line
    assert {"review_nothing_logged", "review_low_adherence"} <= pending_rules(quiet)
    open_flags = db.session.scalars(
        sa.select(Flag.patient_id).where(Flag.resolved_at.is_(None))
    ).all()
    assert set(open_flags) == {flare.id}

    physio = db.session.scalar(sa.select(User).where(User.login == "physio@example.com"))
    rows = caseload(physio)
    # Both others have suggestions; the one who also went quiet comes first.
    assert [r.patient_id for r in rows] == [flare.id, quiet.id, improving.id]
    assert "silent" in [n.value for n in rows[1].needs]


def test_demo_ticks_are_stored_as_the_sync_api_stores_a_tick(runner):
    """A demo tick is a `tick` event without a count: the API stores it done with every
    prescribed set counted, so the day page never shows "Done" beside "0 of 5"."""
    from app.models import ExerciseLog, Prescription, SyncEvent

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    logs = db.session.execute(
        sa.select(ExerciseLog.done, ExerciseLog.sets_done, Prescription.sets).join(
            Prescription, Prescription.id == ExerciseLog.prescription_id
        )
    ).all()
    assert logs and all(done for done, _, _ in logs)  # the demo only ticks
    assert [(counted, sets) for _, counted, sets in logs if counted != sets] == []
    ticks = db.session.scalars(sa.select(SyncEvent.payload).where(SyncEvent.kind == "tick"))
    assert all("sets_done" not in payload for payload in ticks)  # "as prescribed"
