"""A tiny valid library on disk, and exercise rows whose search text is filled like a sync."""

from pathlib import Path
from typing import Any

import yaml

from app.services.library import search_text_for, tags_for


def exercise_file(slug: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": slug,
        "name": slug.replace("-", " ").capitalize(),
        "category": "strengthening",
        "body_regions": ["hip"],
        "target_muscles": ["gluteus medius"],
        "equipment": ["none"],
        "position": "supine",
        "level": 1,
        "dose": {
            "sets": 3,
            "reps": 10,
            "rest_seconds": 60,
            "side": "both",
            "times_per_week": 3,
            "times_per_day": 1,
        },
        "steps": ["Lie on your back.", "Lift your hips.", "Lower slowly."],
        "cues": ["Breathe out as you lift"],
        "faults": ["Rushing"],
        "cautions": [],
        "regression": None,
        "progression": None,
        "evidence": "Common clinical progression.",
    }
    data.update(fields)
    return data


def template_file(slug: str, exercises: list[str]) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": "Test template",
        "condition": "fai",
        "description": "For the tests.",
        "phases": [
            {
                "name": "Phase 1",
                "goal": "Settle pain.",
                "typical_weeks": 2,
                "criteria": "Pain <= 3/10.",
                "prescriptions": [
                    {
                        "exercise": slug_,
                        "sets": 3,
                        "reps": 10,
                        "rest_seconds": 60,
                        "side": "both",
                        "days_of_week": ["mon", "wed"],
                        "times_per_day": 1,
                        "tempo": "3-1-3",
                    }
                    for slug_ in exercises
                ],
            }
        ],
    }


def write_library(root: Path, exercises: list[dict[str, Any]], templates=()) -> Path:
    (root / "exercises").mkdir(parents=True, exist_ok=True)
    (root / "templates").mkdir(parents=True, exist_ok=True)
    for path in [*(root / "exercises").glob("*.yaml"), *(root / "templates").glob("*.yaml")]:
        path.unlink()
    for data in exercises:
        (root / "exercises" / f"{data['slug']}.yaml").write_text(yaml.safe_dump(data))
    for data in templates:
        (root / "templates" / f"{data['slug']}.yaml").write_text(yaml.safe_dump(data))
    return root


def small_library(root: Path) -> Path:
    """Three chained exercises (a -> b -> c), one standalone (d) and one template."""
    exercises = [
        exercise_file("ex-a", progression="ex-b"),
        exercise_file("ex-b", level=2, regression="ex-a", progression="ex-c"),
        exercise_file("ex-c", level=3, regression="ex-b"),
        exercise_file("ex-d", category="mobility", equipment=["band"]),
    ]
    return write_library(root, exercises, [template_file("tpl", ["ex-a", "ex-b", "ex-d"])])


def searchable(make, slug: str | None = None, **fields: Any):
    """Make an exercise with search_text and tags filled the way sync fills them."""
    exercise = make.exercise(slug, **fields)
    values = {name: getattr(exercise, name) for name in ("name", "steps", "cues", "position")}
    values |= {
        "target_muscles": exercise.target_muscles,
        "body_regions": exercise.body_regions,
        "equipment": exercise.equipment,
    }
    exercise.search_text = search_text_for(values)
    exercise.tags = tags_for(values)
    return exercise
