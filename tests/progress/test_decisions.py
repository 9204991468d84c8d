"""One decision per clinical event, always true to the current plan, decided once."""

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Prescription, ProgrammeVersion, Suggestion
from app.services import programmes
from app.services import suggestions as service
from app.services.caseload import caseload
from tests.factories import checkin, committed_patient, worker_refreshes
from tests.progress.decisions import choose


@pytest.fixture
def plan(make, patient, today):  # type: ignore[no-untyped-def]
    easy = make.exercise("clamshell", name="Clamshell")
    clam = make.exercise("banded-clamshell", name="Banded clamshell", regression_id=easy.id)
    bridge = make.exercise("bridge", name="Bridge")
    squat = make.exercise("squat", name="Squat")
    return make.programme(patient, [clam, bridge, squat], start=today - timedelta(days=30))


def pending(patient) -> list[Suggestion]:  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(
            sa.select(Suggestion)
            .where(Suggestion.patient_id == patient.id, Suggestion.status == "pending")
            .order_by(Suggestion.id)
        )
    )


def apply_buttons(page: str) -> list[str]:
    return re.findall(r'action="(/patients/\d+/suggestions/\d+/apply)"', page)


def red_day(client, make, patient, today):  # type: ignore[no-untyped-def]
    """Two good weeks, then a red session today (no exercise named) synced from the phone."""
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    client.login_as(patient.user)
    response = client.post_json("/api/v1/sync", {"events": [checkin("during", today, 8)]})
    assert response.get_json()["results"][0]["zone"] == "red"
    worker_refreshes()


def test_one_red_day_gives_one_pending_proposal_and_one_open_flare(
    client, make, physio, patient, plan, today
):
    red_day(client, make, patient, today)
    found = pending(patient)
    assert [(s.kind, s.rule) for s in found] == [("regress", "regress_pain_above_5")]
    [decision] = found
    assert [line["line_id"] for line in decision.proposal["lines"]] == [1, 2, 3]
    flare = service.open_flare(patient.id)
    assert flare is not None and flare.days == [today]
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert len(apply_buttons(page)) == 1 and page.count("Acknowledge this flare") == 1
    assert "Swap to Clamshell" in page and "Edit the dose for Bridge" in page


def test_applying_chosen_lines_makes_one_version_and_leaves_the_rest_unproposed(
    client, make, physio, patient, plan, today
):
    red_day(client, make, patient, today)
    [decision] = pending(patient)
    client.login_as(physio)
    url = f"/patients/{patient.id}/suggestions/{decision.id}/apply"
    # Clamshell as proposed, Bridge with the physio's own dose, Squat left out.
    form = choose(decision, {1: None, 2: {"sets": "2", "reps": "6"}})
    response = client.post_form(url, form)
    assert response.status_code == 302
    db.session.refresh(plan)
    version = db.session.get(ProgrammeVersion, plan.current_version_id)
    assert version.number == 2 and version.change_kind == "suggestion"
    assert "Clamshell" in version.summary and "Bridge" in version.summary
    assert "Left unchanged: Squat" in version.reason
    lines = {
        p.line_id: p
        for p in db.session.scalars(
            sa.select(Prescription).where(Prescription.version_id == version.id)
        )
    }
    assert (lines[2].sets, lines[2].reps) == (2, 6) and lines[3].reps == 10
    db.session.refresh(decision)
    assert decision.status == "applied" and decision.applied_version_id == version.id
    # Worked out again in the same transaction: Squat was declined, the others answered.
    assert pending(patient) == []


def test_bad_choices_are_refused_by_the_line_and_change_nothing(
    client, make, physio, patient, plan, today
):
    red_day(client, make, patient, today)
    [decision] = pending(patient)
    client.login_as(physio)
    url = f"/patients/{patient.id}/suggestions/{decision.id}/apply"
    none = client.post_form(url, choose(decision, {}))
    assert none.status_code == 422 and "Choose at least one" in none.get_data(as_text=True)
    bad = client.post_form(url, choose(decision, {2: {"sets": "0", "reps": "6"}}))
    assert bad.status_code == 422 and "Bridge: Sets must be between" in bad.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.current_version.number == 1
    assert [s.id for s in pending(patient)] == [decision.id]


def test_every_apply_left_on_the_page_succeeds_after_each_edit_apply_and_dismiss(
    client, make, physio, patient, plan, today
):
    red_day(client, make, patient, today)  # a red session today: one regression for every line
    client.login_as(physio)

    def page_buttons() -> list[str]:
        # Every pending decision is on the current version, so its Apply cannot be refused.
        db.session.refresh(plan)
        assert {s.version_id for s in pending(patient)} <= {plan.current_version_id}
        return apply_buttons(client.get(f"/patients/{patient.id}").get_data(as_text=True))

    assert len(page_buttons()) == 1
    # A hand edit of Squat: the regression still holds for the others and is carried over.
    draft = programmes.draft_for(plan)
    draft.set_dose(3, reps=8)
    programmes.commit_draft(physio, plan, draft, "Own change")
    db.session.commit()
    [button] = page_buttons()
    [carried] = pending(patient)
    [row] = caseload(physio)
    assert row.pending_suggestions == 1  # the dashboard counts live decisions only
    assert carried.version_id == plan.current_version_id
    assert [line["line_id"] for line in carried.proposal["lines"]] == [1, 2]
    # Dismiss it: nothing left to apply, and it is not raised again on this plan.
    note = {"note": "Seen them in clinic today."}
    base = button.removesuffix("/apply")
    assert client.post_form(f"{base}/dismiss", note).status_code == 302
    service.refresh_for_patient(patient, today)
    assert page_buttons() == []
    assert client.post_form(button).status_code == 409
    assert caseload(physio)[0].pending_suggestions == 0


def test_two_tabs_applying_at_once_one_gets_409_with_the_fresh_list(
    client, make, physio, patient, plan, today
):
    red_day(client, make, patient, today)
    [decision] = pending(patient)
    client.login_as(physio)
    url = f"/patients/{patient.id}/suggestions/{decision.id}/apply"
    assert client.post_form(url).status_code == 302
    second = client.post_form(url)
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "already applied" in page and 'id="suggestions"' in page


# --- Decided once, from several threads --------------------------------------------------------


@pytest.fixture
def committed(app):  # type: ignore[no-untyped-def]
    """A patient with a pending decision, committed for real so other connections see it."""

    def decision(make, patient, exercise):  # type: ignore[no-untyped-def]
        programme = make.programme(patient, [exercise])
        suggestion = make.suggestion(
            patient,
            programme,
            proposal={
                "lines": [
                    {
                        "line_id": 1,
                        "exercise_name": "Bridge",
                        "rule": "regress_pain_above_5",
                        "reason": "Pain 8/10.",
                        "change": {"action": "dose", "sets": 3, "reps": 6},
                    }
                ]
            },
        )
        flags = [make.flag(patient, programme.start_date + timedelta(days=n)) for n in (1, 2)]
        return (patient.physio_id, patient.id, suggestion.id, [f.id for f in flags])

    yield from committed_patient(app, "Race clinic", decision)


def _race(app, work, threads: int = 6) -> list[str]:  # type: ignore[no-untyped-def]
    """Run work() in several threads at once, each in its own app context and transaction."""
    barrier = threading.Barrier(threads)
    answers: list[str] = []

    def run(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                work(n)
                db.session.commit()
                answers.append("done")
            except (service.SuggestionError, service.AlreadyDone) as refusal:
                db.session.rollback()
                answers.append(type(refusal).__name__)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    return sorted(answers)


def test_apply_and_dismiss_from_six_threads_decide_once(app, committed):
    from app.models import User

    physio_id, patient_id, suggestion_id, _ = committed

    def work(n: int) -> None:
        physio = db.session.get(User, physio_id)
        suggestion = db.session.get(Suggestion, suggestion_id)
        if n % 2:
            service.dismiss_suggestion(physio, suggestion, f"note {n}")
        else:
            service.apply_suggestion(physio, suggestion)

    answers = _race(app, work)
    assert answers.count("done") == 1 and len(answers) == 6, answers
    with app.app_context():
        row = db.session.get(Suggestion, suggestion_id)
        audits = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.target_type == "suggestion", AuditEvent.target_id == suggestion_id
            )
        ).all()
        assert len(audits) == 1
        if row.status == "applied":
            assert row.decision_note == "" and audits == ["suggestion.apply"]
        else:
            assert row.status == "dismissed" and audits == ["suggestion.dismiss"]


def test_a_flare_acknowledged_from_six_threads_is_acknowledged_once(app, committed):
    from app.models import User

    physio_id, patient_id, _, _ = committed
    answers = _race(
        app, lambda n: service.acknowledge_flare(db.session.get(User, physio_id), patient_id)
    )
    assert answers == ["AlreadyDone"] * 5 + ["done"]
    with app.app_context():
        audits = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "flare.acknowledge", AuditEvent.patient_ref == patient_id
            )
        )
        assert audits == 1
