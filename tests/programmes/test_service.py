"""Assigning and tailoring programmes: every change is one new version with a summary."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Prescription, Programme, ProgrammeStatus, ProgrammeVersion
from app.services import programmes as svc
from app.services.programmes import ProgrammeError

MONDAY = date(2026, 11, 2)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def version_count(programme_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(ProgrammeVersion.id)).where(
            ProgrammeVersion.programme_id == programme_id
        )
    )


@pytest.fixture
def exercises(make):
    clam = make.exercise("clamshell", name="Clamshell")
    banded = make.exercise("banded-clamshell", name="Banded clamshell", regression_id=clam.id)
    clam.progression_id = banded.id
    bridge = make.exercise("bridge", name="Bridge")
    plank = make.exercise("side-plank", name="Side plank", hold_seconds=20, reps=None)
    return {"clam": clam, "banded": banded, "bridge": bridge, "plank": plank}


@pytest.fixture
def template(make, exercises):
    return make.template(
        [
            ("Isometric", [exercises["clam"], exercises["bridge"]]),
            ("Isotonic", [exercises["banded"]]),
        ]
    )


@pytest.fixture
def programme(physio, patient, template):
    programme = svc.assign_programme(physio, patient, template, MONDAY, now=noon(MONDAY))
    db.session.flush()
    return programme


def current(programme: Programme) -> ProgrammeVersion:
    return svc.load_version(programme.current_version_id)


def test_assign_from_template_copies_phases_and_all_prescriptions(programme, patient, template):
    assert programme.status == ProgrammeStatus.ACTIVE
    assert programme.title == template.name
    assert [(p.position, p.name) for p in programme.phases] == [(0, "Isometric"), (1, "Isotonic")]
    assert programme.phases[0].criteria == "Pain <= 3/10 to leave Isometric"
    version = current(programme)
    assert version.number == 1 and version.change_kind == "created"
    assert version.effective_from == MONDAY
    assert version.affected_side == patient.affected_side == "right"
    assert (version.green_max_during, version.amber_max_during) == (3, 5)
    assert [(p.line_id, p.phase_position, p.exercise.name) for p in version.prescriptions] == [
        (1, 0, "Clamshell"),
        (2, 0, "Bridge"),
        (3, 1, "Banded clamshell"),
    ]


def test_assigning_again_archives_the_previous_programme(physio, patient, programme):
    later = MONDAY + timedelta(days=14)
    second = svc.assign_programme(physio, patient, None, later, "Maintenance", now=noon(MONDAY))
    db.session.flush()
    db.session.refresh(programme)
    assert programme.status == ProgrammeStatus.ARCHIVED
    assert programme.end_date == later - timedelta(days=1)
    assert second.title == "Maintenance" and [p.name for p in second.phases] == ["Phase 1"]
    assert current(second).prescriptions == []
    active = db.session.scalars(
        sa.select(Programme).where(
            Programme.patient_id == patient.id, Programme.status == ProgrammeStatus.ACTIVE
        )
    ).all()
    assert active == [second]
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"programme.assign", "programme.archive"} <= actions


def test_the_database_refuses_two_active_programmes(make, patient):
    make.programme(patient)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        make.programme(patient)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (MONDAY + timedelta(days=366), "within a year"),
        (MONDAY + timedelta(days=800), "within a year"),
        (MONDAY - timedelta(days=31), "30 days ago"),
    ],
)
def test_assign_refuses_start_dates_out_of_range(physio, patient, template, start, message):
    with pytest.raises(ProgrammeError) as error:
        svc.assign_programme(physio, patient, template, start, now=noon(MONDAY))
    assert message in error.value.errors["start_date"]
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 0


def test_assign_accepts_a_start_date_just_under_a_year_away(physio, patient, template):
    start = MONDAY + timedelta(days=365)
    assert svc.assign_programme(physio, patient, template, start, now=noon(MONDAY)).id


def test_assign_refuses_another_clinics_template(make, physio, patient, exercises):
    other = make.clinic("Other clinic")
    theirs = make.template([("Only", [exercises["clam"]])], clinic_id=other.id)
    with pytest.raises(ProgrammeError) as error:
        svc.assign_programme(physio, patient, theirs, MONDAY, now=noon(MONDAY))
    assert "not available" in error.value.errors["template"]
    assert db.session.scalar(sa.select(sa.func.count(Programme.id))) == 0


# --- tailoring --------------------------------------------------------------------------


def _add(draft, ex):
    draft.add_line(ex["plank"])


def _remove(draft, ex):
    draft.remove_line(2)


def _move(draft, ex):
    draft.move_line(2, 0)


def _dose(draft, ex):
    draft.set_dose(1, reps=12)


def _swap(draft, ex):
    draft.swap_exercise(1, ex["banded"])


def _thresholds(draft, ex):
    draft.set_thresholds(green_max_during=2)


def _phase(draft, ex):
    draft.set_phase(1)


def _side(draft, ex):
    draft.set_affected_side("left")


@pytest.mark.parametrize(
    ("edit", "kind", "summary", "line_ids"),
    [
        (_add, "add", "Added Side plank", [1, 2, 4, 3]),
        (_remove, "remove", "Removed Bridge", [1, 3]),
        (_move, "reorder", "Moved Bridge up to place 1", [2, 1, 3]),
        (_dose, "dose", "Clamshell: 3 x 10 -> 3 x 12", [1, 2, 3]),
        (_swap, "swap", "Swapped Clamshell for Banded clamshell", [1, 2, 3]),
        (_thresholds, "thresholds", "Pain thresholds: green up to 2", [1, 2, 3]),
        (_phase, "phase", "Moved to phase 2: Isotonic", [1, 2, 3]),
        (_side, "side", "Affected side: right -> left", [1, 2, 3]),
    ],
)
def test_each_change_makes_exactly_one_new_version(
    physio, programme, exercises, edit, kind, summary, line_ids
):
    draft = svc.draft_for(programme)
    edit(draft, exercises)
    version = svc.commit_draft(physio, programme, draft, "Because", now=noon(MONDAY))
    assert version_count(programme.id) == 2
    assert programme.current_version_id == version.id
    assert (version.number, version.change_kind, version.summary) == (2, kind, summary)
    assert version.reason == "Because"
    assert version.created_by_id == physio.id
    assert [p.line_id for p in current(programme).prescriptions] == line_ids
    # The earlier version is untouched.
    first = db.session.scalar(
        sa.select(ProgrammeVersion).where(
            ProgrammeVersion.programme_id == programme.id, ProgrammeVersion.number == 1
        )
    )
    assert [p.line_id for p in first.prescriptions] == [1, 2, 3]
    assert first.prescriptions[0].reps == 10


def test_a_swap_keeps_the_dose_and_line(physio, programme, exercises):
    draft = svc.draft_for(programme)
    draft.set_dose(1, sets=4, reps=8)
    svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    draft = svc.draft_for(programme)
    draft.swap_exercise(1, exercises["banded"])
    svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    line = current(programme).prescriptions[0]
    assert (line.line_id, line.exercise_id, line.sets, line.reps) == (
        1,
        exercises["banded"].id,
        4,
        8,
    )


def test_a_suggestion_is_applied_as_one_version_of_kind_suggestion(physio, programme, exercises):
    draft = svc.draft_for(programme, expect_version_id=programme.current_version_id)
    draft.swap_exercise(1, exercises["banded"])
    draft.set_dose(1, sets=3, reps=None, hold_seconds=30, load_kg=None)
    version = svc.commit_draft(
        physio, programme, draft, "2-for-2 rule", change_kind="suggestion", now=noon(MONDAY)
    )
    assert version.change_kind == "suggestion"
    assert version.summary == (
        "Swapped Clamshell for Banded clamshell; Banded clamshell: 3 x 10 -> 3 x 30 s hold"
    )


def test_new_lines_never_reuse_the_id_of_a_removed_line(physio, programme, exercises):
    draft = svc.draft_for(programme)
    draft.remove_line(3)
    svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    draft = svc.draft_for(programme)
    line = draft.add_line(exercises["plank"], phase=1)
    svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    assert line.line_id == 4
    assert [(p.line_id, p.phase_position) for p in current(programme).prescriptions] == [
        (1, 0),
        (2, 0),
        (4, 1),
    ]


def test_setting_days_clears_times_per_week_and_is_summarised(physio, programme):
    draft = svc.draft_for(programme)
    draft.set_dose(1, days_of_week=0b0010101, times_per_day=2)
    version = svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    assert version.summary == ("Clamshell: 3 times a week -> Mon, Wed, Fri; 1 -> 2 times a day")
    line = current(programme).prescriptions[0]
    assert (line.days_of_week, line.times_per_week) == (0b0010101, None)


@pytest.mark.parametrize(
    ("dose", "field", "message"),
    [
        ({"sets": 0}, "sets", "Sets must be between 1 and 10."),
        ({"sets": 11}, "sets", "Sets must be between 1 and 10."),
        ({"reps": 101}, "reps", "Reps must be between 1 and 100."),
        ({"hold_seconds": 601}, "hold_seconds", "Hold time must be between 1 and 600 seconds."),
        ({"times_per_week": 8}, "times_per_week", "Times per week must be between 1 and 7."),
        ({"days_of_week": 0}, "days_of_week", "Choose at least one day of the week."),
        ({"load_kg": 5.0, "load_text": "red band"}, "load_text", "not both"),
    ],
)
def test_out_of_range_doses_are_refused_and_nothing_is_saved(
    physio, programme, dose, field, message
):
    draft = svc.draft_for(programme)
    draft.set_dose(1, **dose)
    with pytest.raises(ProgrammeError) as error:
        svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    assert message in error.value.errors[field]
    assert version_count(programme.id) == 1


def test_another_clinics_custom_exercise_is_refused(make, physio, programme):
    other = make.clinic("Other clinic")
    theirs = make.exercise("their-secret-move", clinic_id=other.id)
    for edit in (lambda d: d.add_line(theirs), lambda d: d.swap_exercise(1, theirs)):
        draft = svc.draft_for(programme)
        edit(draft)
        with pytest.raises(ProgrammeError) as error:
            svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
        assert error.value.errors["exercise"] == "That exercise is not available to your clinic."
    assert version_count(programme.id) == 1


def test_own_clinic_custom_exercises_can_be_prescribed(make, physio, programme):
    ours = make.exercise("our-move", name="Our move", clinic_id=physio.clinic_id)
    draft = svc.draft_for(programme)
    draft.add_line(ours)
    assert svc.commit_draft(physio, programme, draft, now=noon(MONDAY)).summary == "Added Our move"


def test_an_archived_programme_cannot_be_changed(physio, patient, programme):
    draft = svc.draft_for(programme)
    draft.set_dose(1, reps=12)
    svc.assign_programme(physio, patient, None, MONDAY + timedelta(days=7), now=noon(MONDAY))
    with pytest.raises(ProgrammeError) as error:
        svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    assert "archived" in error.value.errors["programme"]
    with pytest.raises(ProgrammeError):
        svc.draft_for(programme)
    assert version_count(programme.id) == 1


def test_a_stale_draft_is_refused(physio, programme):
    first, second = svc.draft_for(programme), svc.draft_for(programme)
    first.set_dose(1, reps=12)
    second.set_dose(1, reps=14)
    svc.commit_draft(physio, programme, first, now=noon(MONDAY))
    with pytest.raises(ProgrammeError) as error:
        svc.commit_draft(physio, programme, second, now=noon(MONDAY))
    assert "changed by someone else" in error.value.errors["programme"]
    with pytest.raises(ProgrammeError):
        svc.draft_for(programme, expect_version_id=first.base_version_id)
    assert version_count(programme.id) == 2


def test_a_draft_without_changes_is_refused(physio, programme):
    draft = svc.draft_for(programme)
    draft.set_dose(1, reps=10)  # the same dose
    with pytest.raises(ProgrammeError) as error:
        svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    assert error.value.errors == {"plan": "Nothing was changed."}


def test_bad_thresholds_are_refused(physio, programme):
    draft = svc.draft_for(programme)
    draft.set_thresholds(green_max_during=6, amber_max_during=5)
    with pytest.raises(ProgrammeError) as error:
        svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    assert "green limit" in error.value.errors["thresholds"]
    assert version_count(programme.id) == 1


def test_several_edits_in_one_draft_make_one_version_of_kind_edit(physio, programme, exercises):
    draft = svc.draft_for(programme)
    draft.set_dose(2, sets=2)
    draft.add_line(exercises["plank"])
    version = svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    assert version.change_kind == "edit"
    assert version.summary == "Bridge: 3 x 10 -> 2 x 10; Added Side plank"
    assert version_count(programme.id) == 2


# --- history ----------------------------------------------------------------------------


@pytest.fixture
def history(physio, programme, exercises):
    """Versions 1 (Mon 2 Nov), 2 (Thu 5 Nov: 12 reps), 3 and 4 (both Mon 9 Nov: phase 2, plank)."""
    changes = [
        (date(2026, 11, 5), lambda d: d.set_dose(1, reps=12)),
        (date(2026, 11, 9), lambda d: d.set_phase(1)),
        (date(2026, 11, 9), lambda d: d.add_line(exercises["plank"], phase=1)),
    ]
    for day, edit in changes:
        draft = svc.draft_for(programme)
        edit(draft)
        svc.commit_draft(physio, programme, draft, now=noon(day))
    return programme


@pytest.mark.parametrize(
    ("day", "number", "phase", "clam_reps", "lines"),
    [
        (date(2026, 11, 1), None, None, None, None),
        (date(2026, 11, 2), 1, 0, 10, 3),
        (date(2026, 11, 4), 1, 0, 10, 3),
        (date(2026, 11, 5), 2, 0, 12, 3),
        (date(2026, 11, 8), 2, 0, 12, 3),
        (date(2026, 11, 9), 4, 1, 12, 4),
        (date(2027, 1, 1), 4, 1, 12, 4),
    ],
)
def test_plan_as_of_reconstructs_the_plan_on_a_date(history, day, number, phase, clam_reps, lines):
    version = svc.plan_as_of(history, day)
    if number is None:
        assert version is None
        return
    assert (version.number, version.phase_position) == (number, phase)
    assert version.prescriptions[0].reps == clam_reps
    assert len(version.prescriptions) == lines


def test_history_lists_who_when_kind_summary_and_reason(history, physio):
    entries = svc.version_history(history.id)
    assert [(e.number, e.change_kind) for e in entries] == [
        (4, "add"),
        (3, "phase"),
        (2, "dose"),
        (1, "created"),
    ]
    assert entries[0].created_by == physio.name
    assert entries[2].effective_from == date(2026, 11, 5)


def test_programme_changes_for_charts_in_one_query(history, patient):
    changes = svc.programme_changes(patient.id)
    assert [(c.effective_from, c.change_kind, c.summary) for c in changes] == [
        (date(2026, 11, 2), "created", "Started from template Gluteal tendinopathy"),
        (date(2026, 11, 5), "dose", "Clamshell: 3 x 10 -> 3 x 12"),
        (date(2026, 11, 9), "phase", "Moved to phase 2: Isotonic"),
        (date(2026, 11, 9), "add", "Added Side plank"),
    ]
    effective_from, created_at, kind, summary = changes[0]
    assert created_at.tzinfo is not None


def test_a_change_before_a_future_start_takes_effect_on_the_start_date(physio, patient, template):
    start = MONDAY + timedelta(days=21)
    programme = svc.assign_programme(physio, patient, template, start, now=noon(MONDAY))
    draft = svc.draft_for(programme)
    draft.set_dose(1, reps=15)
    version = svc.commit_draft(physio, programme, draft, now=noon(MONDAY))
    assert version.effective_from == start
    assert svc.plan_as_of(programme, start).number == 2


def test_prescriptions_are_copied_not_shared(history):
    counts = db.session.execute(
        sa.select(ProgrammeVersion.number, sa.func.count(Prescription.id))
        .join(Prescription, Prescription.version_id == ProgrammeVersion.id)
        .where(ProgrammeVersion.programme_id == history.id)
        .group_by(ProgrammeVersion.number)
        .order_by(ProgrammeVersion.number)
    ).all()
    assert [tuple(row) for row in counts] == [(1, 3), (2, 3), (3, 3), (4, 4)]
