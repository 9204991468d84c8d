"""What changed between two plan versions, in patient words, and which versions were one sitting.

A physio's quick edits (one person, each within SITTING_MINUTES of the last) are one change
for the patient and on the charts: versions stay as they are stored, and the grouping is
only how they are shown.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from app.domain.dose import Dose, describe_change

SITTING_MINUTES = 30  # edits by one person this close together read as one change


class Stamped(Protocol):
    """A version as the grouping sees it: who made it, and when."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def created_by_id(self) -> int | None: ...


V = TypeVar("V", bound=Stamped)


class Numbered(Stamped, Protocol):
    """A version with its number in the programme (1 is the plan as first given)."""

    @property
    def number(self) -> int: ...


N = TypeVar("N", bound=Numbered)


def sittings(
    versions: Sequence[V],
    minutes: int = SITTING_MINUTES,
    *,
    key: Callable[[V], object] | None = None,
) -> list[list[V]]:
    """Group versions (oldest first) into sittings: one person's edits, each close to the last.

    A version joins the sitting before it when the same person made it (an unknown author
    never joins) no more than `minutes` after the previous version, and, with key given,
    when key gives the same for both (the charts: the same day in force).
    """
    gap = timedelta(minutes=minutes)
    groups: list[list[V]] = []
    for version in versions:
        if groups:
            last = groups[-1][-1]
            same_person = (
                version.created_by_id is not None and version.created_by_id == last.created_by_id
            )
            same_key = key is None or key(version) == key(last)
            if (
                same_person
                and same_key
                and timedelta(0) <= version.created_at - last.created_at <= gap
            ):
                groups[-1].append(version)
                continue
        groups.append([version])
    return groups


def unseen_change(versions: Sequence[N], seen_number: int | None) -> tuple[N, list[N]] | None:
    """Return the plan the patient last knew and the versions since (None: nothing to tell).

    versions: oldest first, the newest is the plan now. Never acknowledged (seen_number
    None): the patient knew the plan as first given, so the first sitting (the programme made
    and tailored) is not a change. A seen version older than those read: the oldest read.
    """
    if not versions:
        return None
    if seen_number is not None:
        known = [v for v in versions if v.number <= seen_number]
        baseline = known[-1] if known else versions[0]
    elif versions[0].number == 1:
        baseline = sittings(versions)[0][-1]
    else:
        baseline = versions[0]
    newer = [v for v in versions if v.number > baseline.number]
    return (baseline, newer) if newer else None


def changes_by_sitting(versions: Sequence[N]) -> list[tuple[N, list[N]]]:
    """Return each sitting after the first, with the version before it, oldest first."""
    groups = sittings(versions)
    return [(groups[i - 1][-1], groups[i]) for i in range(1, len(groups))]


class ChangeKind(StrEnum):
    SWAPPED = "swapped"
    DOSE = "dose"
    ADDED = "added"
    REMOVED = "removed"
    PHASE = "phase"


@dataclass(frozen=True)
class PlanLine:
    """One line of a version's plan as the patient sees it (a stable line id across versions)."""

    line_id: int
    exercise_name: str
    dose: Dose


@dataclass(frozen=True)
class LineChange:
    """One change to the plan, in words ("Clamshell added: 3 x 10")."""

    kind: ChangeKind
    text: str


def plan_changes(
    before: Sequence[PlanLine],
    after: Sequence[PlanLine],
    *,
    phase_before: str | None = None,
    phase_after: str | None = None,
) -> list[LineChange]:
    """Return what changed from one plan to another: phase, swaps and doses, added, removed.

    Lines are matched by line id (a swap keeps it). Order follows the new plan, removed lines
    last; a line whose only change is its place in the order is not a change to the patient.
    """
    changes: list[LineChange] = []
    if phase_after is not None and phase_before != phase_after:
        changes.append(LineChange(ChangeKind.PHASE, f"New phase: {phase_after}"))
    old = {line.line_id: line for line in before}
    new_ids = {line.line_id for line in after}
    for line in after:
        was = old.get(line.line_id)
        if was is None:
            changes.append(
                LineChange(ChangeKind.ADDED, f"{line.exercise_name} added: {line.dose.short()}")
            )
        elif was.exercise_name != line.exercise_name:
            text = f"{was.exercise_name} is now {line.exercise_name}, {line.dose.short()}"
            changes.append(LineChange(ChangeKind.SWAPPED, text))
        elif parts := describe_change(was.dose, line.dose):
            changes.append(LineChange(ChangeKind.DOSE, f"{line.exercise_name}: {', '.join(parts)}"))
    for line in before:
        if line.line_id not in new_ids:
            changes.append(LineChange(ChangeKind.REMOVED, f"{line.exercise_name} removed"))
    return changes


def reasons(texts: Sequence[str]) -> list[str]:
    """Return the physio's reasons of a sitting's versions: non-empty, each once, in order."""
    seen: list[str] = []
    for text in texts:
        text = text.strip()
        if text and text not in seen:
            seen.append(text)
    return seen
