"""Stored suggestions: made once, applied into exactly one version, refused when stale or done."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.domain import suggestions as rules
from app.domain.dose import Dose
from app.extensions import db
from app.models import (
    AuditEvent,
    Flag,
    Prescription,
    Programme,
    ProgrammeVersion,
    Role,
    Suggestion,
)
from app.services import activity, programmes
from app.services import suggestions as service
from tests.factories import checkin, worker_refreshes
from tests.progress.decisions import change_of, choose


@pytest.fixture
def chain(make):  # type: ignore[no-untyped-def]
    """Clamshell -> banded clamshell -> side plank (knees); the middle one is prescribed."""
    easy = make.exercise("clamshell", name="Clamshell")
    middle = make.exercise("banded-clamshell", name="Banded clamshell", regression_id=easy.id)
    hard = make.exercise("side-plank-knees", name="Side plank (knees)", regression_id=middle.id)
    middle.progression_id = hard.id
    easy.progression_id = middle.id
    db.session.flush()
    return easy, middle, hard


@pytest.fixture
def plan(make, patient, chain, today):  # type: ignore[no-untyped-def]
    return make.programme(patient, [chain[1]], start=today - timedelta(days=30))


def pending(patient) -> list[Suggestion]:  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(
            sa.select(Suggestion).where(
                Suggestion.patient_id == patient.id, Suggestion.status == "pending"
            )
        )
    )


def versions(programme: Programme) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(ProgrammeVersion.id)).where(
            ProgrammeVersion.programme_id == programme.id
        )
    )


def green_week(make, patient, today):  # type: ignore[no-untyped-def]
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)


def test_steady_green_week_suggests_the_next_exercise_once(patient, plan, chain, make, today):
    green_week(make, patient, today)
    first = service.refresh_for_patient(patient, today)
    second = service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    assert [s.id for s in first.created] == [suggestion.id]
    assert second.created == [] and [s.id for s in second.kept] == [suggestion.id]
    assert (suggestion.kind, suggestion.rule) == ("progress", "progress_steady_green")
    assert change_of(suggestion)["to_exercise_id"] == chain[2].id
    assert suggestion.version_id == plan.current_version_id
    assert suggestion.numbers["adherence"] == 1.0
    assert "ready for Side plank (knees)" in suggestion.reason


def test_advice_that_no_longer_holds_is_superseded(patient, plan, make, today):
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    make.days(patient, today, today, during=4, zone="amber")  # amber today: hold instead
    result = service.refresh_for_patient(patient, today)
    assert [s.kind for s in pending(patient)] == ["hold"]
    assert [s.rule for s in result.superseded] == ["progress_steady_green"]


def test_apply_swaps_to_the_next_exercise_in_exactly_one_version(
    client, physio, patient, plan, chain, make, today
):
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    client.login_as(physio)
    response = client.post_form(f"/patients/{patient.id}/suggestions/{suggestion.id}/apply")
    assert response.status_code == 302
    db.session.refresh(plan)
    assert versions(plan) == 2
    new = db.session.get(ProgrammeVersion, plan.current_version_id)
    assert new.change_kind == "suggestion" and new.number == 2
    [line] = db.session.scalars(sa.select(Prescription).where(Prescription.version_id == new.id))
    assert line.exercise_id == chain[2].id and line.line_id == 1
    db.session.refresh(suggestion)
    assert suggestion.status == "applied"
    assert suggestion.applied_version_id == new.id and suggestion.decided_by_id == physio.id
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.patient_ref == patient.id)
    ).all()
    assert "suggestion.apply" in actions


def test_applying_twice_is_refused_and_changes_nothing(client, physio, patient, plan, make, today):
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    client.login_as(physio)
    url = f"/patients/{patient.id}/suggestions/{suggestion.id}/apply"
    client.post_form(url)
    response = client.post_form(url)
    assert response.status_code == 409
    assert "already applied" in response.get_data(as_text=True)
    assert versions(plan) == 2


def test_a_hand_edit_supersedes_advice_that_no_longer_holds_and_says_why(
    client, physio, patient, plan, make, today
):
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    draft = programmes.draft_for(plan)
    draft.set_dose(1, reps=15)
    programmes.commit_draft(physio, plan, draft, "Physio's own change")
    db.session.flush()
    # Worked out again in the same transaction: a plan changed today cannot progress yet.
    assert pending(patient) == []
    db.session.refresh(suggestion)
    assert suggestion.status == "superseded" and suggestion.decided_at is not None
    assert "plan version 2" in suggestion.superseded_reason
    client.login_as(physio)
    response = client.post_form(f"/patients/{patient.id}/suggestions/{suggestion.id}/apply")
    assert response.status_code == 409  # an old tab: what happened, and the fresh list
    page = response.get_data(as_text=True)
    assert "already replaced" in page and "plan version 2" in page
    assert "No suggestions waiting" in page
    assert versions(plan) == 2


def test_a_swap_to_an_archived_exercise_is_refused_and_changes_nothing(
    client, physio, patient, plan, chain, make, today
):
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    chain[2].archived = True  # taken out of the library after the advice was made
    db.session.flush()
    client.login_as(physio)
    response = client.post_form(f"/patients/{patient.id}/suggestions/{suggestion.id}/apply")
    assert response.status_code == 422  # shown on the decision page, with why
    assert "no longer in the library" in response.get_data(as_text=True)
    assert versions(plan) == 1
    db.session.refresh(suggestion)
    assert suggestion.status == "pending"


def test_stale_pending_advice_is_replaced_when_the_plan_changes(physio, patient, plan, make, today):
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    [old] = pending(patient)
    draft = programmes.draft_for(plan)
    draft.set_phase(0)
    draft.set_thresholds(green_max_during=3, amber_max_during=6)
    programmes.commit_draft(physio, plan, draft, "thresholds")  # reworks them at once
    db.session.refresh(old)
    assert old.status == "superseded"
    assert pending(patient) == []  # a plan change today: no progress until a week under it


def test_dismiss_needs_a_note_then_blocks_applying(client, physio, patient, plan, make, today):
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    client.login_as(physio)
    base = f"/patients/{patient.id}/suggestions/{suggestion.id}"
    response = client.post_form(f"{base}/dismiss", {"note": "  "})
    assert response.status_code == 422
    assert "say why" in response.get_data(as_text=True)
    response = client.post_form(f"{base}/dismiss", {"note": "Wants to stay a week longer."})
    assert response.status_code == 302
    db.session.refresh(suggestion)
    assert suggestion.status == "dismissed"
    assert suggestion.decision_note == "Wants to stay a week longer."
    assert client.post_form(f"{base}/apply").status_code == 409
    assert client.post_form(f"{base}/dismiss", {"note": "again"}).status_code == 409
    assert versions(plan) == 1


def test_edit_then_apply_uses_the_physios_dose(client, make, physio, patient, today):
    end = make.exercise("single-leg-squat", name="Single-leg squat")  # no progression
    plan = make.programme(patient, [end], start=today - timedelta(days=30), reps=10)
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    assert suggestion.rule == "progress_chain_end_dose" and change_of(suggestion)["reps"] == 12
    client.login_as(physio)
    url = f"/patients/{patient.id}/suggestions/{suggestion.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="12"' in page  # the proposal, pre-filled
    bad = client.post_form(url, choose(suggestion, {1: {"sets": "3", "reps": "0"}}))
    assert bad.status_code == 422 and versions(plan) == 1
    assert "Reps must be between" in bad.get_data(as_text=True)
    both = choose(suggestion, {1: {"sets": "3", "reps": "11", "hold_seconds": "30"}})
    assert client.post_form(url, both).status_code == 422 and versions(plan) == 1
    response = client.post_form(url, choose(suggestion, {1: {"sets": "3", "reps": "11"}}))
    assert response.status_code == 302
    db.session.refresh(plan)
    line = db.session.scalar(
        sa.select(Prescription).where(Prescription.version_id == plan.current_version_id)
    )
    assert (line.sets, line.reps) == (3, 11)


def test_a_review_is_acknowledged_without_a_new_version(client, physio, patient, plan, make, today):
    make.days(patient, today - timedelta(days=7), today - timedelta(days=1), done=0)
    service.refresh_for_patient(patient, today)
    [review] = pending(patient)
    assert (review.kind, review.proposal) == ("review", None)
    client.login_as(physio)
    response = client.post_form(f"/patients/{patient.id}/suggestions/{review.id}/apply")
    assert response.status_code == 302
    db.session.refresh(review)
    assert review.status == "applied" and review.applied_version_id is None
    assert versions(plan) == 1


def test_another_physios_patient_is_not_found(client, make, clinic, patient, plan, today):
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    other = make.staff(clinic, Role.PHYSIO)
    client.login_as(other)
    base = f"/patients/{patient.id}/suggestions/{suggestion.id}"
    assert client.post_form(f"{base}/apply").status_code == 404
    assert client.post_form(f"{base}/dismiss", {"note": "x"}).status_code == 404
    assert versions(plan) == 1


def test_patient_page_lists_suggestions_with_their_numbers(
    client, physio, patient, plan, make, today
):
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Swap to Side plank (knees)" in page
    assert "progress steady green" in page  # the rule
    assert "Adherence" in page and "100%" in page
    assert "Edit, then apply" not in page  # a swap has no dose to edit


def test_the_why_panel_names_the_settings_the_rule_used(client, physio, patient, plan, make, today):
    version = db.session.get(ProgrammeVersion, plan.current_version_id)
    version.adherent_percent = 90  # the programme's own adherent line
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Settings used" in page
    assert "a window of 7 days; adherent at 90%; green up to 3" in page
    assert "(adherent at 90%)" in page  # the reason says it too


def test_red_day_raises_one_flag_and_the_physio_marks_it_seen(client, physio, patient, plan, today):
    client.login_as(patient.user)
    for pain in (7, 8):  # the same red day, synced twice
        response = client.post_json("/api/v1/sync", {"events": [checkin("during", today, pain)]})
        assert response.get_json()["results"][0]["zone"] == "red"
        worker_refreshes()
    flags = db.session.scalars(sa.select(Flag).where(Flag.patient_id == patient.id)).all()
    assert len(flags) == 1
    assert flags[0].kind == "red_day" and "7/10" in flags[0].message
    # The suggestions were refreshed after the sync's response was sent.
    assert "regress" in [s.kind for s in pending(patient)]
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Acknowledge this flare" in page
    response = client.post_form(f"/patients/{patient.id}/flags/{flags[0].id}/seen")
    assert response.status_code == 302
    db.session.refresh(flags[0])
    assert flags[0].resolved_by_id == physio.id
    again = client.post_form(f"/patients/{patient.id}/flags/{flags[0].id}/seen")
    assert again.status_code == 409 and "already marked as seen" in again.get_data(as_text=True)


def test_refreshing_summaries_flags_each_red_day_once(make, patient, plan, today):
    days = [today - timedelta(days=1), today]
    for day in days:
        make.check_in(patient, day, 8)
    activity.refresh_day_summaries(patient, days)
    activity.refresh_day_summaries(patient, days)
    flags = db.session.scalars(
        sa.select(Flag).where(Flag.patient_id == patient.id).order_by(Flag.local_date)
    ).all()
    assert [(flag.local_date, flag.kind) for flag in flags] == [(day, "red_day") for day in days]
    assert "8/10" in flags[0].message
    raised = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "flag.raise", AuditEvent.patient_ref == patient.id
        )
    )
    assert raised == 2


def test_green_day_raises_no_flag_and_costs_no_statement(patient, plan, make, today, query_counter):
    [summary] = make.days(patient, today, today)
    with query_counter() as statements:
        assert service.flag_red_days(patient, [summary]) == []
    assert statements == []


def test_red_days_form_one_flare_acknowledged_once(client, make, physio, patient, today):
    for days_ago in (1, 2):
        make.flag(patient, today - timedelta(days=days_ago), "Red pain day")
    flare = service.open_flare(patient.id)
    assert flare is not None and flare.days == [
        today - timedelta(days=2),
        today - timedelta(days=1),
    ]
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert ": 2 red days to acknowledge" in page and page.count("Acknowledge this flare") == 1
    # A red day after the page was shown joins the flare, but is not acknowledged unseen.
    late = make.flag(patient, today, "Red pain day, later")
    response = client.post_form(
        f"/patients/{patient.id}/flags/seen", {"through": str(flare.through)}
    )
    assert response.status_code == 302
    still_open = service.open_flare(patient.id)
    assert still_open is not None and [f.id for f in still_open.flags] == [late.id]
    again = client.post_form(f"/patients/{patient.id}/flags/seen", {"through": str(flare.through)})
    assert again.status_code == 409 and "already acknowledged" in again.get_data(as_text=True)
    acknowledged = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "flare.acknowledge", AuditEvent.patient_ref == patient.id
        )
    )
    assert acknowledged == 1


def test_a_red_day_after_acknowledging_opens_a_new_flare(make, physio, patient, today):
    make.flag(patient, today - timedelta(days=3), "Red pain day")
    service.acknowledge_flare(physio, patient.id)
    assert service.open_flare(patient.id) is None
    make.flag(patient, today, "Red pain day")
    flare = service.open_flare(patient.id)
    assert flare is not None and flare.days == [today]


@pytest.mark.parametrize("through", ["²", "-1", "0", "2147483648", "9" * 40])
def test_a_bad_through_value_is_refused_and_acknowledges_nothing(
    client, make, physio, patient, today, through
):
    make.flag(patient, today, "Red pain day")
    client.login_as(physio)
    response = client.post_form(f"/patients/{patient.id}/flags/seen", {"through": through})
    assert response.status_code == 400
    assert service.open_flare(patient.id) is not None


def test_other_physio_cannot_clear_flags(client, make, clinic, patient, today):
    make.flag(patient, today, "x")
    client.login_as(make.staff(clinic))
    assert client.post_form(f"/patients/{patient.id}/flags/seen").status_code == 404
    assert (
        db.session.scalar(sa.select(Flag.resolved_at).where(Flag.patient_id == patient.id)) is None
    )


def test_a_bad_stored_proposal_is_refused_when_read_back(make, physio, patient, today):
    end = make.exercise("single-leg-squat", name="Single-leg squat")  # no progression
    plan = make.programme(patient, [end], start=today - timedelta(days=30), reps=10)
    green_week(make, patient, today)
    service.refresh_for_patient(patient, today)
    [suggestion] = pending(patient)
    [line] = service.stored_changes(suggestion)
    assert line.proposal == rules.Proposal(rules.Action.DOSE, dose=Dose(sets=3, reps=12))
    suggestion.proposal = {
        "lines": [
            {**suggestion.proposal["lines"][0], "change": {"action": "dose", "reps": "twelve"}}
        ]
    }
    with pytest.raises(rules.InvalidProposal):
        service.apply_suggestion(physio, suggestion)
    assert versions(plan) == 1
