"""A plan being changed: a plain, mutable copy of a programme version, its edits and their summary.

The service copies the current version into a PlanDraft (services.programmes.draft_for), the
physio's edits change it here, and the service saves it as the next version (commit_draft).
Each edit records a change kind and a sentence; the version's summary is made from them.
Nothing here reads or writes the database.
"""

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from app.domain.dose import EXERCISE_DOSE_FIELDS, Dose, describe_change
from app.domain.errors import Refused
from app.domain.rule_settings import PROGRAMME_SETTINGS, SETTING_WORDS, RuleSettings

AFFECTED_SIDES = ("left", "right", "both", "none")
THRESHOLD_FIELDS = (
    "green_max_during",
    "amber_max_during",
    "amber_morning_rise",
    "red_morning_rise",
    "mcid",
    "walk_run_max_pain",
)
# What a programme version stores of the rules' settings: its pain thresholds and the other
# numbers a physio changes for one patient (rule_settings.PROGRAMME_SETTINGS).
SETTING_FIELDS = THRESHOLD_FIELDS + PROGRAMME_SETTINGS
NOTE_LIMIT = 1000
# A new line's dose when nothing else is given (a template line starts from it).
DEFAULT_LINE_DOSE = Dose(sets=3, reps=10, times_per_week=3)
PHASE_MISSING = "That phase does not exist in this programme."


class ProgrammeError(Refused):
    """Bad input for a programme change; .errors maps field -> message. Nothing was saved."""


class LibraryExercise(Protocol):
    """What a draft needs of an exercise: its id, name and default dose (an Exercise row)."""

    id: int
    name: str


@dataclass
class DraftLine:
    """One prescription of a draft: an exercise and its dose, in a phase."""

    line_id: int
    exercise_id: int
    exercise_name: str
    phase_position: int
    dose: Dose = DEFAULT_LINE_DOSE
    note: str = ""

    def errors(self) -> dict[str, str]:
        """Return field -> message for the line's dose, schedule and texts."""
        errors = self.dose.errors()
        if len(self.note or "") > NOTE_LIMIT:
            errors["note"] = f"At most {NOTE_LIMIT} characters."
        return errors

    def edit(self, values: dict[str, Any]) -> None:
        """Change dose fields and the note; texts are trimmed, an empty text clears it.

        Giving one of reps / hold_seconds / duration_seconds clears the other two unless they
        are given too; likewise days_of_week and times_per_week (see Dose.changed).
        """
        cleaned = {name: _clean(name, value) for name, value in values.items()}
        if "note" in cleaned:
            self.note = cleaned.pop("note")
        self.dose = self.dose.changed(**cleaned)


def exercise_default_dose(exercise: LibraryExercise) -> Dose:
    """Return the dose an exercise has by default in the library: a new line starts from it."""
    return Dose(**{name: getattr(exercise, name) for name in EXERCISE_DOSE_FIELDS})


def line_change(before: DraftLine, after: DraftLine) -> str:
    """Return what changed in a line, e.g. "3 x 10 -> 3 x 12; rest 60 s -> 90 s"."""
    parts = describe_change(before.dose, after.dose)
    if before.note != after.note:
        parts.append("note changed")
    return "; ".join(parts)


def phase_label(position: int, name: str) -> str:
    """Return "Phase 2: Isotonic"; names that already say "Phase ..." (the library's) stay."""
    if name.lower().startswith("phase"):
        return name
    return f"Phase {position + 1}: {name}"


@dataclass
class PlanDraft:
    """The next version of a programme, being edited; the service commits it."""

    programme_id: int
    base_version_id: int
    base_number: int
    lines: list[DraftLine]
    phase_position: int
    affected_side: str
    thresholds: RuleSettings  # the pain thresholds and the programme's other rule settings
    phase_names: dict[int, str]
    next_line_id: int
    # (change_kind, summary) for each edit, in order: the version's summary is made from them.
    changes: list[tuple[str, str]] = field(default_factory=list)
    new_exercise_ids: set[int] = field(default_factory=set)

    def line(self, line_id: int) -> DraftLine:
        """Return the line with this id, or raise ProgrammeError."""
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise ProgrammeError({"line": "That exercise is no longer in the plan."})

    def phase_lines(self, phase_position: int) -> list[DraftLine]:
        """Return the lines of one phase, in order."""
        return [line for line in self.lines if line.phase_position == phase_position]

    def add_line(
        self, exercise: LibraryExercise, phase: int | None = None, **dose: Any
    ) -> DraftLine:
        """Add an exercise at the end of a phase (the current one by default).

        The dose starts from the exercise's own defaults; keyword arguments override them.
        """
        phase_position = self.phase_position if phase is None else phase
        line = DraftLine(
            line_id=self.next_line_id,
            exercise_id=exercise.id,
            exercise_name=exercise.name,
            phase_position=phase_position,
            dose=exercise_default_dose(exercise),
        )
        line.edit(dose)
        self.next_line_id += 1
        last = max(
            (i for i, other in enumerate(self.lines) if other.phase_position <= phase_position),
            default=-1,
        )
        self.lines.insert(last + 1, line)
        self.new_exercise_ids.add(exercise.id)
        summary = f"Added {exercise.name}"
        if phase_position != self.phase_position and phase_position in self.phase_names:
            summary += f" to {phase_label(phase_position, self.phase_names[phase_position])}"
        self.changes.append(("add", summary))
        return line

    def remove_line(self, line_id: int) -> None:
        """Take an exercise out of the plan."""
        line = self.line(line_id)
        self.lines.remove(line)
        self.changes.append(("remove", f"Removed {line.exercise_name}"))

    def move_line(self, line_id: int, new_position: int) -> None:
        """Move a line to a 0-based position among the lines of its phase."""
        line = self.line(line_id)
        siblings = self.phase_lines(line.phase_position)
        old_position = siblings.index(line)
        new_position = max(0, min(new_position, len(siblings) - 1))
        if new_position == old_position:
            return
        siblings.remove(line)
        siblings.insert(new_position, line)
        # Put the phase's lines back where they were in the whole list, in the new order.
        slots = [
            i for i, other in enumerate(self.lines) if other.phase_position == line.phase_position
        ]
        for slot, sibling in zip(slots, siblings, strict=True):
            self.lines[slot] = sibling
        direction = "up" if new_position < old_position else "down"
        self.changes.append(
            ("reorder", f"Moved {line.exercise_name} {direction} to place {new_position + 1}")
        )

    def set_dose(self, line_id: int, **dose: Any) -> None:
        """Change any dose fields of a line (Dose fields, and note); see DraftLine.edit."""
        line = self.line(line_id)
        before = replace(line)
        line.edit(dose)
        summary = line_change(before, line)
        if summary:
            self.changes.append(("dose", f"{line.exercise_name}: {summary}"))

    def swap_exercise(self, line_id: int, exercise: LibraryExercise) -> None:
        """Put another exercise on a line, keeping its dose and its line id."""
        line = self.line(line_id)
        if exercise.id == line.exercise_id:
            return
        old_name = line.exercise_name
        line.exercise_id = exercise.id
        line.exercise_name = exercise.name
        self.new_exercise_ids.add(exercise.id)
        self.changes.append(("swap", f"Swapped {old_name} for {exercise.name}"))

    def set_phase(self, position: int) -> None:
        """Make another phase the current one."""
        if position not in self.phase_names:
            raise ProgrammeError({"phase": PHASE_MISSING})
        if position == self.phase_position:
            return
        verb = "Moved to" if position > self.phase_position else "Moved back to"
        self.phase_position = position
        self.changes.append(("phase", f"{verb} phase {position + 1}: {self.phase_names[position]}"))

    def set_thresholds(self, **values: Any) -> None:
        """Change the pain thresholds and rule settings (any of SETTING_FIELDS)."""
        unknown = set(values) - set(SETTING_FIELDS)
        if unknown:
            raise TypeError(f"unknown threshold settings: {', '.join(sorted(unknown))}")
        before = self.thresholds
        self.thresholds = replace(before, **values)
        changed = [n for n in SETTING_FIELDS if getattr(self.thresholds, n) != getattr(before, n)]
        words = {n: SETTING_WORDS[n].format(getattr(self.thresholds, n)) for n in changed}
        pain = [words[n] for n in changed if n in THRESHOLD_FIELDS]
        others = [words[n] for n in changed if n not in THRESHOLD_FIELDS]
        if pain:
            self.changes.append(("thresholds", "Pain thresholds: " + ", ".join(pain)))
        if others:
            self.changes.append(("thresholds", "Rule settings: " + ", ".join(others)))

    def set_affected_side(self, side: str) -> None:
        """Change the affected side recorded on the plan."""
        if side == self.affected_side:
            return
        before, self.affected_side = self.affected_side, side
        self.changes.append(("side", f"Affected side: {before} -> {side}"))

    def errors(self, usable_exercise_ids: Collection[int]) -> dict[str, str]:
        """Return field -> message for everything wrong; empty when the draft can be saved.

        usable_exercise_ids: which of new_exercise_ids the clinic may prescribe (the service
        reads them).
        """
        errors: dict[str, str] = {}
        for line in self.lines:
            for name, message in line.errors().items():
                errors.setdefault(name, message)
        unusable = self.new_exercise_ids - set(usable_exercise_ids)
        if unusable & {line.exercise_id for line in self.lines}:
            errors["exercise"] = "That exercise is not available to your clinic."
        if self.phase_position not in self.phase_names:
            errors["phase"] = PHASE_MISSING
        if any(line.phase_position not in self.phase_names for line in self.lines):
            errors.setdefault("phase", PHASE_MISSING)
        if self.affected_side not in AFFECTED_SIDES:
            errors["affected_side"] = "Choose left, right, both or none."
        if problems := self.thresholds.errors():
            errors["thresholds"] = " ".join(problems.values())
        return errors

    def summary(self) -> str:
        """Return the version's summary: every edit's sentence, in order."""
        return "; ".join(summary for _, summary in self.changes)

    def change_kind(self) -> str:
        """Return the kind of the edits: the one kind they share, else "edit"."""
        kinds = {kind for kind, _ in self.changes}
        return kinds.pop() if len(kinds) == 1 else "edit"


def _clean(name: str, value: Any) -> Any:
    """Trim a text; an empty text clears an optional field (the note stays "")."""
    if isinstance(value, str) and name != "side":
        return value.strip() or (None if name != "note" else "")
    return value
