"""The scale clinic's programmes: recipes of library exercises, and how their lines change."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.devdata.bulk import BulkWriter, IdAllocator
from app.domain.dose import Dose
from app.extensions import db
from app.models import Exercise
from app.services.bulk import table_of

# Programmes: (condition, title, [(first exercise slug, days_of_week mask or None,
# times_per_week or None)]). Strength lines progress along their library chains.
LineRecipe = tuple[str, int | None, int | None]
Recipe = tuple[str, str, tuple[LineRecipe, ...]]
MON_WED_FRI = 0b0010101
RECIPES: tuple[Recipe, ...] = (
    (
        "gluteal-tendinopathy",
        "Gluteal tendinopathy loading",
        (
            ("supine-isometric-abduction", None, 5),
            ("bridge", MON_WED_FRI, None),
            ("sit-to-stand", None, 3),
            ("clamshell", None, 2),
        ),
    ),
    (
        "adductor-groin-pain",
        "Groin strength programme",
        (
            ("ball-squeeze", None, 5),
            ("bridge", None, 3),
            ("double-leg-balance", None, 3),
            ("adductor-stretch", None, 3),
        ),
    ),
    (
        "hip-pain-runners",
        "Return to running: hip strength",
        (
            ("calf-raise", MON_WED_FRI, None),
            ("squat", None, 3),
            ("brisk-walk", None, 3),
            ("hamstring-stretch", None, 4),
        ),
    ),
    (
        "hip-flexor-strain",
        "Hip flexor strain rehabilitation",
        (
            ("isometric-hip-flexion", None, 4),
            ("low-step-up", MON_WED_FRI, None),
            ("plank-knees", None, 3),
            ("hip-flexor-stretch", None, 3),
        ),
    ),
)
# A minimal stand-in library (clinic-made exercises) when the shipped one is not loaded:
# slug -> (name, dose, progression slug).
FALLBACK_EXERCISES: dict[str, tuple[str, dict[str, Any], str | None]] = {
    "bridge": ("Bridge", {"sets": 3, "reps": 12, "side": "both"}, "offset-bridge"),
    "offset-bridge": ("Offset bridge", {"sets": 3, "reps": 10, "side": "each"}, None),
    "squat": ("Squat", {"sets": 3, "reps": 12, "side": "both"}, None),
    "ball-squeeze": ("Ball squeeze", {"sets": 5, "hold_seconds": 10, "side": "both"}, None),
    "calf-stretch": ("Calf stretch", {"sets": 3, "hold_seconds": 30, "side": "each"}, None),
}
FALLBACK_RECIPE: Recipe = (
    "gluteal-tendinopathy",
    "Hip strength programme",
    (
        ("ball-squeeze", None, 5),
        ("bridge", MON_WED_FRI, None),
        ("squat", None, 3),
        ("calf-stretch", None, 3),
    ),
)


@dataclass(frozen=True)
class ExerciseInfo:
    """What the generator needs of one library exercise."""

    id: int
    slug: str
    name: str
    sets: int
    reps: int | None
    hold_seconds: int | None
    duration_seconds: int | None
    rest_seconds: int
    side: str
    times_per_day: int
    progression_slug: str | None


def usable_recipes(
    clinic_id: int, writer: BulkWriter, ids: IdAllocator, now: datetime
) -> tuple[list[Recipe], dict[str, ExerciseInfo]]:
    """Return the usable recipes and the exercises they need (library, else a stand-in set)."""
    exercises = load_exercises()
    usable = [r for r in RECIPES if all(slug in exercises for slug, *_ in r[2])]
    if usable:
        return usable, exercises
    return [FALLBACK_RECIPE], _write_fallback_exercises(clinic_id, writer, ids, now)


def load_exercises() -> dict[str, ExerciseInfo]:
    """Return the shipped library's exercises by slug, with their chain's next slug."""
    following = sa.orm.aliased(Exercise)
    rows = db.session.execute(
        sa.select(Exercise, following.slug)
        .outerjoin(following, Exercise.progression_id == following.id)
        .where(Exercise.clinic_id.is_(None), Exercise.archived.is_(False))
    ).all()
    return {
        e.slug: ExerciseInfo(
            e.id,
            e.slug,
            e.name,
            e.sets,
            e.reps,
            e.hold_seconds,
            e.duration_seconds,
            e.rest_seconds,
            e.side,
            e.times_per_day,
            next_slug,
        )  # fmt: skip
        for e, next_slug in rows
    }


def _write_fallback_exercises(
    clinic_id: int, writer: BulkWriter, ids: IdAllocator, now: datetime
) -> dict[str, ExerciseInfo]:
    """Write the stand-in exercises as the clinic's own and return them by their short slug."""
    rows = [
        _fallback_row(ids.next("exercises"), clinic_id, slug, name, dose, now)
        for slug, (name, dose, _) in FALLBACK_EXERCISES.items()
    ]
    writer.insert(table_of(Exercise), list(rows[0]), [tuple(r.values()) for r in rows], {})
    fallback = {}
    for row in rows:
        slug = row["slug"].removeprefix(f"scale-{clinic_id}-")
        fallback[slug] = ExerciseInfo(
            row["id"], slug, row["name"], row["sets"], row["reps"], row["hold_seconds"], None,
            60, row["side"], 1, FALLBACK_EXERCISES[slug][2],
        )  # fmt: skip
    return fallback


def _fallback_row(
    exercise_id: int, clinic_id: int, slug: str, name: str, dose: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "id": exercise_id, "slug": f"scale-{clinic_id}-{slug}", "clinic_id": clinic_id,
        "name": name, "category": "strengthening", "body_regions": "[]", "target_muscles": "[]",
        "equipment": "[]", "position": "standing", "level": 1, "times_per_week": 3,
        "steps": json.dumps([f"Do the {name.lower()} slowly."]), "cues": "[]", "faults": "[]",
        "cautions": "[]", "evidence": "", "search_text": name.lower(), "tags": "",
        "archived": False, "sets": dose["sets"], "reps": dose.get("reps"),
        "hold_seconds": dose.get("hold_seconds"), "duration_seconds": None, "rest_seconds": 60,
        "side": dose["side"], "times_per_day": 1, "created_at": now, "updated_at": now,
    }  # fmt: skip


@dataclass
class Line:
    """One line of the plan as it stands, changed version by version."""

    line_id: int
    exercise: ExerciseInfo
    days_of_week: int | None
    times_per_week: int | None
    sets: int
    reps: int | None
    hold_seconds: int | None
    duration_seconds: int | None
    side: str
    dose_steps: int = 0  # dose increases since the exercise was last swapped
    load_kg: float | None = None  # scale lines carry no load (Dose.of reads these)
    load_text: str | None = None

    @classmethod
    def first(cls, line_id: int, exercise: ExerciseInfo, recipe: LineRecipe) -> "Line":
        """Return the line as the programme starts it: the exercise's own dose."""
        _, days_of_week, times_per_week = recipe
        return cls(
            line_id, exercise, days_of_week, times_per_week, exercise.sets, exercise.reps,
            exercise.hold_seconds, exercise.duration_seconds, exercise.side,
        )  # fmt: skip

    def dose_text(self) -> str:
        """Return the dose as the app's change summaries word it ("3 x 12", "5 x 30 s hold")."""
        return Dose.of(self).short()


def progress(line: Line, exercises: dict[str, ExerciseInfo]) -> tuple[str, str]:
    """Move a line one step on (a dose step, or the chain's next exercise); return kind, words."""
    following = exercises.get(line.exercise.progression_slug or "")
    if line.dose_steps >= 2 and following is not None:
        before = line.exercise.name
        line.exercise = following
        line.sets, line.reps = following.sets, following.reps
        line.hold_seconds, line.duration_seconds = (
            following.hold_seconds,
            following.duration_seconds,
        )
        line.side, line.dose_steps = following.side, 0
        return "swap", f"{before} progressed to {following.name}"
    before_dose = line.dose_text()
    if line.reps:
        line.reps = min(line.reps + 2, 30)
    elif line.hold_seconds:
        line.hold_seconds = min(line.hold_seconds + 5, 60)
    elif line.duration_seconds:
        line.duration_seconds = min(line.duration_seconds + 300, 3600)
    if line.dose_steps == 1 and line.sets < 4:
        line.sets += 1
    line.dose_steps += 1
    return "dose", f"{line.exercise.name}: {before_dose} -> {line.dose_text()}"


def regress(line: Line) -> tuple[str, str]:
    """Step a line's dose back after a flare-up; return kind, words."""
    before = line.dose_text()
    if line.reps:
        line.reps = max(line.reps - 4, 5)
    elif line.hold_seconds:
        line.hold_seconds = max(line.hold_seconds - 10, 5)
    elif line.duration_seconds:
        line.duration_seconds = max(line.duration_seconds - 300, 300)
    line.sets = max(line.sets - 1, 2)
    line.dose_steps = 0
    return "dose", f"{line.exercise.name}: {before} -> {line.dose_text()}"
