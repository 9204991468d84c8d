"""The active plan (plans.active_plan) reads the same whether it comes as plain columns with
the signed-in patient's own statement or from the ORM for a patient a physio opens, and a
patient's next request sees a change to it."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import ActivePlan, Patient
from app.services import accounts, plans, programmes


def _both_ways(patient: Patient) -> tuple[ActivePlan | None, ActivePlan | None]:
    """(as the patient's session statement reads it, as the ORM reads it for staff)."""
    user = patient.user
    db.session.flush()
    db.session.expunge_all()  # nothing from the identity map: each read from the database
    signed_in = accounts.session_user(user.id, user.session_token or "")
    assert signed_in is not None and signed_in.patient is not None
    from_session = plans.active_plan(signed_in.patient)
    db.session.expunge_all()
    other = db.session.get(Patient, patient.id, options=[plans.ACTIVE_PLAN])
    assert other is not None and other.plan_read is None
    return from_session, plans.active_plan(other)


@pytest.mark.parametrize("case", ["no programme", "first version", "changed and seen", "archived"])
def test_the_session_statement_and_the_orm_read_the_same_active_plan(
    app, make, physio, patient, today, case
):  # type: ignore[no-untyped-def]
    accounts.start_session(patient.user)
    if case != "no programme":
        plan = make.programme(patient, [make.exercise()], start=today - timedelta(days=3))
    if case == "changed and seen":
        draft = programmes.draft_for(plan)
        draft.set_dose(1, reps=14)
        programmes.commit_draft(physio, plan, draft, "More reps")
        plan.seen_version_number = 1
    if case == "archived":
        programmes.archive_programme(physio, plan, today)
    with app.test_request_context():
        from_session, from_orm = _both_ways(patient)
    assert from_session == from_orm
    if case in ("no programme", "archived"):
        assert from_session is None
    else:
        assert from_session is not None and from_session.version_id is not None
        assert from_session.version_number == (2 if case == "changed and seen" else 1)


def test_a_plan_change_shows_on_the_patients_next_day_page(client, make, physio, patient, today):  # type: ignore[no-untyped-def]
    plan = make.programme(
        patient, [make.exercise(name="Clamshell")], start=today - timedelta(days=3)
    )
    client.login_as(patient.user)
    assert "Clamshell" in client.get("/today").get_data(as_text=True)
    draft = programmes.draft_for(plan)
    draft.set_dose(1, reps=14)
    version = programmes.commit_draft(physio, plan, draft, "More reps")
    version.created_at += timedelta(hours=10)  # a later sitting than the plan's making
    db.session.flush()
    page = client.get("/today").get_data(as_text=True)
    notice = page.split('data-testid="plan-notice"', 1)[1].split("</section>", 1)[0]
    assert "More reps" in notice and "14" in notice
