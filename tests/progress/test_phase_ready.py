"""Ready to consider the next phase: made by the refresh, shown with the phase's criteria."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ProgrammePhase, Suggestion
from app.services import programmes
from app.services import suggestions as service
from tests.conftest import count_queries

CRITERIA = "Pain during the holds <= 3/10 and the 24-hour response settled for 2 weeks"


@pytest.fixture
def two_phases(make, patient, today):  # type: ignore[no-untyped-def]
    """A plan started 6 weeks ago in phase 1 of 2 (typically 2 weeks); its line ends a chain."""
    programme = make.programme(patient, [make.exercise("bridge")], start=today - timedelta(days=42))
    first = programme.phases[0]
    first.name, first.criteria, first.typical_weeks = "Isometric", CRITERIA, 2
    programme.phases.append(ProgrammePhase(position=1, name="Isotonic", typical_weeks=3))
    db.session.flush()
    return programme


def pending(patient) -> list[Suggestion]:  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(
            sa.select(Suggestion)
            .where(Suggestion.patient_id == patient.id, Suggestion.status == "pending")
            .order_by(Suggestion.id)
        )
    )


def at(patient, day):  # type: ignore[no-untyped-def]
    return datetime.combine(day, time(9), ZoneInfo(patient.timezone))


def change(physio, programme, patient, day, edit):  # type: ignore[no-untyped-def]
    draft = programmes.draft_for(programme)
    edit(draft)
    return programmes.commit_draft(physio, programme, draft, now=at(patient, day))


def test_a_settled_phase_past_its_typical_weeks_is_ready_for_the_next(
    patient, two_phases, make, today
):
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    service.refresh_for_patient(patient, today)
    ready = [s for s in pending(patient) if s.rule == "progress_phase_ready"]
    assert len(ready) == 1
    [suggestion] = ready
    assert (suggestion.kind, suggestion.line_id, suggestion.proposal) == ("progress", None, None)
    assert suggestion.numbers["weeks_in_phase"] == 6 and suggestion.numbers["typical_weeks"] == 2
    assert "ready to consider Phase 2: Isotonic" in suggestion.reason
    assert "check the test task is below 3/10 first" in suggestion.reason


def test_applying_it_acknowledges_without_a_new_version(physio, patient, two_phases, make, today):
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    service.refresh_for_patient(patient, today)
    [ready] = [s for s in pending(patient) if s.rule == "progress_phase_ready"]
    assert service.apply_suggestion(physio, ready) is None
    assert ready.status == "applied" and ready.applied_version_id is None
    assert two_phases.current_version.number == 1


@pytest.mark.parametrize(
    "today_pain",
    [pytest.param(4, id="amber-today-holds"), pytest.param(7, id="red-today-regresses")],
)
def test_no_next_phase_beside_a_hold_or_regress(patient, two_phases, make, today, today_pain):
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    make.days(patient, today, today, during=today_pain)
    service.refresh_for_patient(patient, today)
    rules = {s.rule for s in pending(patient)}
    assert rules and "progress_phase_ready" not in rules


def test_no_next_phase_beside_a_review(patient, two_phases, make, today):
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), done=0)
    service.refresh_for_patient(patient, today)
    rules = {s.rule for s in pending(patient)}
    assert "review_low_adherence" in rules and "progress_phase_ready" not in rules


def test_the_last_phase_has_nothing_to_move_on_to(physio, patient, two_phases, make, today):
    change(physio, two_phases, patient, today - timedelta(days=40), lambda d: d.set_phase(1))
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    service.refresh_for_patient(patient, today)
    assert "progress_phase_ready" not in {s.rule for s in pending(patient)}


def test_moving_back_to_a_phase_restarts_its_clock(physio, patient, two_phases, make, today):
    change(physio, two_phases, patient, today - timedelta(days=40), lambda d: d.set_phase(1))
    change(physio, two_phases, patient, today - timedelta(days=10), lambda d: d.set_phase(0))
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    service.refresh_for_patient(patient, today)
    assert "progress_phase_ready" not in {s.rule for s in pending(patient)}


def test_a_dose_change_in_the_same_phase_does_not_restart_it(
    physio, patient, two_phases, make, today
):
    change(
        physio, two_phases, patient, today - timedelta(days=10), lambda d: d.set_dose(1, reps=12)
    )
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    service.refresh_for_patient(patient, today)
    [ready] = [s for s in pending(patient) if s.rule == "progress_phase_ready"]
    assert ready.numbers["weeks_in_phase"] == 6


def test_the_physio_sees_it_with_the_phases_criteria(
    client, physio, patient, two_phases, make, today
):
    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    service.refresh_for_patient(patient, today)
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "To move on from Phase 1: Isometric:" in page
    assert "settled for 2 weeks" in page
    assert "Weeks in this phase" in page and "Typical weeks for the phase" in page


def test_the_refresh_reads_as_much_for_many_lines_and_versions(make, physio, patient, today):
    def statements(lines: int, extra_versions: int) -> int:
        exercises = [make.exercise() for _ in range(lines)]
        programme = make.programme(patient, exercises, start=today - timedelta(days=42))
        programme.phases.append(ProgrammePhase(position=1, name="Next", typical_weeks=2))
        for n in range(extra_versions):
            day = today - timedelta(days=30 - n)
            change(physio, programme, patient, day, lambda d, n=n: d.set_dose(1, reps=11 + n))
        db.session.flush()
        db.session.expire_all()  # the same cold start for both sizes
        with count_queries() as found:
            service.refresh_for_patient(patient, today)
        assert "progress_phase_ready" in {s.rule for s in pending(patient)}
        db.session.execute(sa.delete(Suggestion).where(Suggestion.patient_id == patient.id))
        programme.status = "archived"
        db.session.flush()
        return len([q for q in found if q.lstrip().upper().startswith("SELECT")])

    make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
    # Reads only: each new suggestion is one INSERT, however many there are.
    assert statements(1, 0) == statements(5, 4)
