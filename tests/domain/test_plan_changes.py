"""What the patient is told changed in their plan, and which edits were one sitting."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.dose import Dose
from app.domain.plan_changes import (
    ChangeKind,
    LineChange,
    PlanLine,
    changes_by_sitting,
    plan_changes,
    reasons,
    sittings,
    unseen_change,
)

BRIDGE = PlanLine(1, "Bridge", Dose(sets=3, reps=10))
CLAM = PlanLine(2, "Clamshell", Dose(sets=3, reps=10, side="each"))
PLANK = PlanLine(3, "Side plank", Dose(sets=3, hold_seconds=20))


@pytest.mark.parametrize(
    ("situation", "before", "after", "expected"),
    [
        ("nothing changed", [BRIDGE, CLAM], [BRIDGE, CLAM], []),
        ("only the order changed", [BRIDGE, CLAM], [CLAM, BRIDGE], []),
        (
            "progressed along the chain",
            [BRIDGE],
            [PlanLine(1, "Single-leg bridge", Dose(sets=3, reps=8))],
            [(ChangeKind.SWAPPED, "Bridge is now Single-leg bridge, 3 x 8")],
        ),
        (
            "an exercise added",
            [BRIDGE],
            [BRIDGE, CLAM],
            [(ChangeKind.ADDED, "Clamshell added: 3 x 10")],
        ),
        (
            "an exercise removed",
            [BRIDGE, PLANK],
            [BRIDGE],
            [(ChangeKind.REMOVED, "Side plank removed")],
        ),
        (
            "more reps",
            [BRIDGE],
            [PlanLine(1, "Bridge", Dose(sets=3, reps=12))],
            [(ChangeKind.DOSE, "Bridge: 3 x 10 -> 3 x 12")],
        ),
        (
            "load added",
            [BRIDGE],
            [PlanLine(1, "Bridge", Dose(sets=3, reps=10, load_kg=5))],
            [(ChangeKind.DOSE, "Bridge: 3 x 10 -> 3 x 10 @ 5 kg")],
        ),
        (
            "fewer days a week",
            [PlanLine(1, "Bridge", Dose(sets=3, reps=10, times_per_week=5))],
            [PlanLine(1, "Bridge", Dose(sets=3, reps=10, times_per_week=3))],
            [(ChangeKind.DOSE, "Bridge: 5 times a week -> 3 times a week")],
        ),
        (
            "a sitting that swapped, added and removed",
            [BRIDGE, PLANK],
            [PlanLine(1, "Single-leg bridge", Dose(sets=3, reps=8)), CLAM],
            [
                (ChangeKind.SWAPPED, "Bridge is now Single-leg bridge, 3 x 8"),
                (ChangeKind.ADDED, "Clamshell added: 3 x 10"),
                (ChangeKind.REMOVED, "Side plank removed"),
            ],
        ),
    ],
)
def test_plan_change_is_told_in_words(situation, before, after, expected) -> None:
    changes = plan_changes(before, after)
    assert [(c.kind, c.text) for c in changes] == expected, situation


def test_a_new_phase_is_told_first() -> None:
    changes = plan_changes([BRIDGE], [CLAM], phase_before="Isometric", phase_after="Isotonic")
    assert changes[0] == LineChange(ChangeKind.PHASE, "New phase: Isotonic")
    assert [c.kind for c in changes[1:]] == [ChangeKind.ADDED, ChangeKind.REMOVED]


def test_the_same_phase_is_not_a_change() -> None:
    assert plan_changes([BRIDGE], [BRIDGE], phase_before="Isotonic", phase_after="Isotonic") == []


def test_reasons_are_each_told_once_and_blanks_skipped() -> None:
    assert reasons(["", "Pain settled", "  ", "Pain settled", "Ready for more"]) == [
        "Pain settled",
        "Ready for more",
    ]


@dataclass(frozen=True)
class Edit:
    name: str
    created_at: datetime
    created_by_id: int | None


START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def edit(name: str, minutes: int, by: int | None = 1) -> Edit:
    return Edit(name, START + timedelta(minutes=minutes), by)


@pytest.mark.parametrize(
    ("situation", "edits", "expected"),
    [
        ("no versions", [], []),
        ("one edit", [edit("a", 0)], [["a"]]),
        (
            "three quick edits by one physio",
            [edit("a", 0), edit("b", 5), edit("c", 12)],
            [["a", "b", "c"]],
        ),
        ("exactly 30 minutes apart still one sitting", [edit("a", 0), edit("b", 30)], [["a", "b"]]),
        ("31 minutes apart: two sittings", [edit("a", 0), edit("b", 31)], [["a"], ["b"]]),
        (
            "a long session of small steps chains on",
            [edit("a", 0), edit("b", 25), edit("c", 50)],
            [["a", "b", "c"]],
        ),
        (
            "another physio's edit starts a new sitting",
            [edit("a", 0), edit("b", 2, by=2)],
            [["a"], ["b"]],
        ),
        (
            "an unknown author never joins",
            [edit("a", 0, by=None), edit("b", 1, by=None)],
            [["a"], ["b"]],
        ),
        (
            "back to the first physio after someone else",
            [edit("a", 0), edit("b", 2, by=2), edit("c", 4)],
            [["a"], ["b"], ["c"]],
        ),
    ],
)
def test_edits_by_one_person_close_together_are_one_sitting(situation, edits, expected) -> None:
    assert [[e.name for e in group] for group in sittings(edits)] == expected, situation


def test_a_key_keeps_versions_apart() -> None:
    edits = [edit("a", 0), edit("b", 5), edit("c", 10)]
    found = sittings(edits, key=lambda e: e.name == "c")
    assert [[e.name for e in group] for group in found] == [["a", "b"], ["c"]]


def test_sitting_length_is_a_setting() -> None:
    edits = [edit("a", 0), edit("b", 10)]
    assert len(sittings(edits, minutes=5)) == 2
    assert len(sittings(edits, minutes=10)) == 1


@dataclass(frozen=True)
class Version:
    number: int
    created_at: datetime
    created_by_id: int | None = 1


def versions(*minutes: int) -> list[Version]:
    return [Version(n, START + timedelta(minutes=m)) for n, m in enumerate(minutes, 1)]


def span(found):  # type: ignore[no-untyped-def]
    if found is None:
        return None
    baseline, newer = found
    return baseline.number, [v.number for v in newer]


@pytest.mark.parametrize(
    ("situation", "made_at", "seen", "expected"),
    [
        ("a programme made and tailored in one sitting", (0, 5, 10), None, None),
        ("a later sitting after the plan as first given", (0, 5, 600, 610), None, (2, [3, 4])),
        ("all seen", (0, 600), 2, None),
        ("seen before the last sitting", (0, 600, 605), 1, (1, [2, 3])),
        ("seen in the middle of a sitting", (0, 600, 605), 2, (2, [3])),
        ("two sittings since last seen", (0, 600, 1200), 1, (1, [2, 3])),
        ("seen is older than the versions read", (0, 600), 0, (1, [2])),
    ],
)
def test_the_notice_tells_what_changed_since_the_patient_last_looked(
    situation, made_at, seen, expected
) -> None:
    assert span(unseen_change(versions(*made_at), seen)) == expected, situation


def test_no_versions_no_notice() -> None:
    assert unseen_change([], None) is None


def test_the_plan_page_lists_each_sitting_after_the_first() -> None:
    found = changes_by_sitting(versions(0, 5, 600, 610, 1300))
    assert [(b.number, [v.number for v in s]) for b, s in found] == [(2, [3, 4]), (4, [5])]
