"""Editing a plan draft: the edits, their summaries and the checks, as plain functions."""

from dataclasses import dataclass, replace

import pytest

from app.domain.dose import Dose
from app.domain.pain import PainThresholds
from app.domain.plan_draft import (
    DraftLine,
    PlanDraft,
    ProgrammeError,
    line_change,
    phase_label,
)


@dataclass
class Exercise:
    id: int
    name: str
    sets: int = 2
    reps: int | None = 15
    hold_seconds: int | None = None
    duration_seconds: int | None = None
    rest_seconds: int = 30
    side: str = "each"
    times_per_week: int = 3
    times_per_day: int = 1


def draft(*lines: DraftLine) -> PlanDraft:
    return PlanDraft(
        programme_id=1,
        base_version_id=10,
        base_number=1,
        lines=list(lines),
        phase_position=0,
        affected_side="left",
        thresholds=PainThresholds(),
        phase_names={0: "Isometric", 1: "Isotonic"},
        next_line_id=len(lines) + 1,
    )


def bridge(**dose: object) -> DraftLine:
    return DraftLine(1, 101, "Bridge", 0, Dose(sets=3, reps=10, times_per_week=3).changed(**dose))


@pytest.mark.parametrize(
    ("position", "name", "label"),
    [(0, "Isometric", "Phase 1: Isometric"), (1, "Phase 2 - loading", "Phase 2 - loading")],
)
def test_phase_label(position: int, name: str, label: str) -> None:
    assert phase_label(position, name) == label


@pytest.mark.parametrize(
    ("changes", "summary"),
    [
        ({"reps": 12}, "Bridge: 3 x 10 -> 3 x 12"),
        ({"hold_seconds": 30}, "Bridge: 3 x 10 -> 3 x 30 s hold"),
        ({"days_of_week": 0b10101}, "Bridge: 3 times a week -> Mon, Wed, Fri"),
        ({"note": "  Slowly  "}, "Bridge: note changed"),
        (
            {"tempo": " 3-1-3 ", "rest_seconds": 90},
            "Bridge: rest 1 min -> 1 min 30 s; tempo none -> 3-1-3",
        ),
    ],
)
def test_set_dose_records_what_changed(changes: dict[str, object], summary: str) -> None:
    plan = draft(bridge())
    plan.set_dose(1, **changes)
    assert plan.changes == [("dose", summary)]


def test_set_dose_trims_texts_and_an_empty_text_clears_it() -> None:
    plan = draft(bridge(tempo="2-0-2"))
    plan.set_dose(1, tempo="  ", note="  Keep the knees apart ")
    line = plan.line(1)
    assert (line.dose.tempo, line.note) == (None, "Keep the knees apart")


def test_set_dose_without_a_change_records_nothing() -> None:
    plan = draft(bridge())
    plan.set_dose(1, reps=10)
    assert plan.changes == []


def test_add_line_starts_from_the_exercise_default_and_names_another_phase() -> None:
    plan = draft(bridge())
    line = plan.add_line(Exercise(202, "Clamshell"), phase=1, reps=20)
    assert line.dose == Dose(sets=2, reps=20, rest_seconds=30, side="each", times_per_week=3)
    assert plan.changes == [("add", "Added Clamshell to Phase 2: Isotonic")]
    assert plan.new_exercise_ids == {202} and plan.lines[-1] is line


def test_a_line_no_longer_in_the_plan_is_refused() -> None:
    with pytest.raises(ProgrammeError) as caught:
        draft(bridge()).line(9)
    assert caught.value.errors == {"line": "That exercise is no longer in the plan."}


def test_line_change_joins_dose_and_note_changes() -> None:
    before = bridge()
    after = replace(before, dose=before.dose.changed(sets=4), note="Harder")
    assert line_change(before, after) == "3 x 10 -> 4 x 10; note changed"


def test_draft_errors_name_each_problem_once() -> None:
    plan = draft(bridge(reps=0), bridge(sets=0))
    plan.add_line(Exercise(303, "Nordic curl"))
    plan.affected_side = "middle"
    plan.phase_position = 5
    assert plan.errors(usable_exercise_ids=set()) == {
        "reps": "Reps must be between 1 and 100.",
        "sets": "Sets must be between 1 and 10.",
        "exercise": "That exercise is not available to your clinic.",
        "phase": "That phase does not exist in this programme.",
        "affected_side": "Choose left, right, both or none.",
    }


def test_a_long_note_is_refused() -> None:
    assert replace(bridge(), note="x" * 1001).errors() == {"note": "At most 1000 characters."}


def test_summary_and_change_kind_come_from_the_edits() -> None:
    plan = draft(bridge())
    plan.set_dose(1, reps=12)
    assert (plan.summary(), plan.change_kind()) == ("Bridge: 3 x 10 -> 3 x 12", "dose")
    plan.set_affected_side("right")
    assert plan.change_kind() == "edit"
    assert plan.summary() == "Bridge: 3 x 10 -> 3 x 12; Affected side: left -> right"
