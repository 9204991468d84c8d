"""The checks that keep library files correct, on parsed file contents (no files read)."""

import copy
import hashlib
from typing import Any

import pytest

from app.domain.library_files import (
    LibraryError,
    build_chains,
    check_exercises,
    check_templates,
    exercise_content_hash,
)

# --- error reporting on small libraries ---------------------------------------------------


def exercise(slug: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "category": "strengthening",
        "body_regions": ["hip"],
        "target_muscles": ["gluteus medius"],
        "equipment": ["none"],
        "position": "standing",
        "level": 1,
        "dose": {
            "sets": 3,
            "reps": 10,
            "rest_seconds": 60,
            "side": "each",
            "times_per_week": 3,
            "times_per_day": 1,
        },
        "steps": ["Stand tall.", "Lift your leg.", "Lower it slowly."],
        "cues": ["Stay tall"],
        "faults": ["Leaning"],
        "cautions": [],
        "regression": None,
        "progression": None,
        "evidence": "Common clinical exercise.",
    }
    data.update(changes)
    return data


def files(*contents: dict[str, Any]) -> dict[str, object]:
    """Return file name -> content, each named after its slug, as the library reader gives."""
    return {f"{data['slug']}.yaml": data for data in contents}


def linked(*slugs: str, levels: list[int] | None = None) -> list[dict[str, Any]]:
    """Return exercises linked into one valid chain, easiest first."""
    levels = levels or [1] * len(slugs)
    return [
        exercise(
            slug,
            level=levels[i],
            regression=slugs[i - 1] if i else None,
            progression=slugs[i + 1] if i + 1 < len(slugs) else None,
        )
        for i, slug in enumerate(slugs)
    ]


def errors_for(*exercises: dict[str, Any]) -> list[LibraryError]:
    _, errors = check_exercises(files(*exercises))
    return errors


def without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


def test_a_valid_chain_loads_without_errors() -> None:
    loaded, errors = check_exercises(files(*linked("a", "b", "c", levels=[1, 2, 2])))
    assert errors == []
    assert build_chains(loaded) == [["a", "b", "c"]]


@pytest.mark.parametrize(
    ("data", "field", "message_part"),
    [
        (without(exercise("clamshell"), "cues"), "cues", "is missing"),
        (without(exercise("clamshell"), "dose", "sets"), "dose.sets", "is missing"),
        (exercise("clamshell", category="cardio"), "category", "'cardio' is not one of"),
        (exercise("clamshell", level=0), "level", "below the minimum of 1"),
        (exercise("clamshell", level=6), "level", "above the maximum of 5"),
        (exercise("clamshell", equipment=["rope"]), "equipment[0]", "'rope' is not one of"),
        (exercise("clamshell", steps=["One.", "Two."]), "steps", "at least 3"),
        (exercise("clamshell", colour="red"), "", "unknown field(s): colour"),
        (
            exercise("clamshell", dose={**exercise("x")["dose"], "sets": 11}),
            "dose.sets",
            "above the maximum of 10",
        ),
        (
            without(exercise("clamshell"), "dose", "reps"),
            "dose.reps",
            "Give reps, a hold time or a duration.",
        ),
        (
            exercise("clamshell", dose={**exercise("x")["dose"], "hold_seconds": 30}),
            "dose.reps",
            "Give only one of reps, hold time or duration.",
        ),
        (
            exercise("clamshell", cautions=[{"text": "Careful.", "conditions": ["flu"]}]),
            "cautions[0].conditions[0]",
            "'flu' is not one of",
        ),
        (exercise("clamshell", progression="clamshell"), "progression", "links to the exercise"),
    ],
)
def test_file_errors_name_the_file_and_field(
    data: dict[str, Any], field: str, message_part: str
) -> None:
    errors = errors_for(data)
    matching = [e for e in errors if e.file == "clamshell.yaml" and e.field == field]
    assert matching, [str(e) for e in errors]
    assert message_part in matching[0].message


def test_slug_must_equal_the_file_name() -> None:
    _, errors = check_exercises({"clamshell.yaml": exercise("clam")})
    assert [str(e) for e in errors] == [
        "clamshell.yaml: slug: 'clam' must equal the file name 'clamshell'"
    ]


def test_dangling_link_is_reported() -> None:
    errors = errors_for(exercise("clamshell", progression="nope"))
    assert [str(e) for e in errors] == [
        "clamshell.yaml: progression: links to 'nope', which does not exist"
    ]


def test_non_mutual_link_is_reported_on_the_linking_file() -> None:
    errors = errors_for(exercise("a", progression="b"), exercise("b"))
    assert [(e.file, e.field) for e in errors] == [("a.yaml", "progression")]
    assert "links must be mutual" in errors[0].message


def test_regression_without_matching_progression_is_reported() -> None:
    errors = errors_for(exercise("a"), exercise("b", regression="a"))
    assert [(e.file, e.field) for e in errors] == [("b.yaml", "regression")]


def test_level_going_down_along_a_chain_is_reported() -> None:
    errors = errors_for(*linked("a", "b", levels=[3, 2]))
    assert [(e.file, e.field) for e in errors] == [("a.yaml", "level")]
    assert "'b' is level 2, lower than this exercise's level 3" in errors[0].message


def test_cycle_is_reported_once() -> None:
    a = exercise("a", regression="c", progression="b")
    b = exercise("b", regression="a", progression="c")
    c = exercise("c", regression="b", progression="a")
    errors = errors_for(a, b, c)
    assert [str(e) for e in errors] == [
        "a.yaml: progression: chain loops back on itself: a -> b -> c -> a"
    ]


def test_duplicate_slug_is_reported_on_the_later_file() -> None:
    _, errors = check_exercises(
        {"clamshell.yaml": exercise("clamshell"), "other.yaml": exercise("clamshell")}
    )
    duplicate = [e for e in errors if "already used by clamshell.yaml" in e.message]
    assert [(e.file, e.field) for e in duplicate] == [("other.yaml", "slug")]


@pytest.mark.parametrize("content", [None, ["just", "a list"], "text"], ids=repr)
def test_a_file_that_is_not_a_mapping_is_reported(content: object) -> None:
    _, errors = check_exercises({"clamshell.yaml": content})
    assert [str(e) for e in errors] == ["clamshell.yaml: must be a YAML mapping of fields"]


def test_an_error_from_reading_a_file_is_reported_as_it_is() -> None:
    unreadable = LibraryError("a.yaml", "line 3", "is not valid YAML: oops")
    loaded, errors = check_exercises({"a.yaml": unreadable, **files(exercise("b"))})
    assert errors == [unreadable]
    assert [e["slug"] for e in loaded] == ["b"]


def test_library_error_reads_as_file_field_message() -> None:
    error = LibraryError("clamshell.yaml", "progression", "links to 'nope', which does not exist")
    assert str(error) == "clamshell.yaml: progression: links to 'nope', which does not exist"
    assert str(LibraryError("x.yaml", "", "is empty")) == "x.yaml: is empty"


def test_only_valid_exercises_are_returned() -> None:
    loaded, errors = check_exercises(files(exercise("good"), exercise("bad", level=9)))
    assert [e["slug"] for e in loaded] == ["good"]
    assert [e.file for e in errors] == ["bad.yaml"]


# --- templates ----------------------------------------------------------------------------


def template(**changes: Any) -> dict[str, Any]:
    item = {
        "exercise": "bridge",
        "sets": 3,
        "reps": 10,
        "rest_seconds": 60,
        "side": "both",
        "times_per_week": 3,
        "times_per_day": 1,
    }
    data: dict[str, Any] = {
        "slug": "hip",
        "name": "Hip",
        "condition": "gluteal-tendinopathy",
        "description": "For tests.",
        "phases": [
            {
                "name": "Phase 1",
                "goal": "Load.",
                "typical_weeks": 2,
                "criteria": "Pain <= 3/10.",
                "prescriptions": [dict(item), dict(item), dict(item)],
            }
        ],
    }
    data.update(changes)
    return data


def with_first_prescription(**changes: Any) -> dict[str, Any]:
    data = template()
    item = data["phases"][0]["prescriptions"][0]
    item.update(changes)
    for key in [key for key, value in item.items() if value is None]:
        del item[key]
    return data


def template_errors(*templates: dict[str, Any]) -> list[LibraryError]:
    _, errors = check_templates(
        files(*templates), {"bridge", "clamshell"}, {"clamshell": ["gluteal-tendinopathy"]}
    )
    return errors


FIRST = "phases[0].prescriptions[0]"


def test_valid_template_loads() -> None:
    assert template_errors(template()) == []


@pytest.mark.parametrize(
    ("data", "field", "message_part"),
    [
        (with_first_prescription(exercise="nope"), f"{FIRST}.exercise", "not in the exercise"),
        (with_first_prescription(exercise="clamshell"), f"{FIRST}.exercise", "caution"),
        (with_first_prescription(sets=11), f"{FIRST}.sets", "maximum of 10"),
        (with_first_prescription(reps=None), f"{FIRST}.reps", "Give reps, a hold time"),
        (with_first_prescription(times_per_week=None), FIRST, "give days_of_week or"),
        (
            with_first_prescription(days_of_week=["mon"]),
            FIRST,
            "only one of days_of_week or times_per_week",
        ),
        (
            with_first_prescription(times_per_week=None, days_of_week=["monday"]),
            f"{FIRST}.days_of_week[0]",
            "'monday' is not one of",
        ),
        (template(condition="flu"), "condition", "'flu' is not one of"),
        (without(template(), "description"), "description", "is missing"),
        (
            template(phases=[{**template()["phases"][0], "typical_weeks": 27}]),
            "phases[0].typical_weeks",
            "maximum of 26",
        ),
        (
            template(phases=[{**template()["phases"][0], "prescriptions": []}]),
            "phases[0].prescriptions",
            "at least 3",
        ),
    ],
)
def test_template_errors_name_the_file_and_field(
    data: dict[str, Any], field: str, message_part: str
) -> None:
    errors = template_errors(data)
    matching = [e for e in errors if e.file == "hip.yaml" and e.field == field]
    assert matching, [str(e) for e in errors]
    assert message_part in matching[0].message


def test_days_of_week_count_as_times_per_week() -> None:
    data = with_first_prescription(times_per_week=None, days_of_week=["mon", "wed", "fri"])
    assert template_errors(data) == []


def test_duplicate_template_slug_is_reported() -> None:
    # In name order, as the reader gives them: "hip-copy.yaml" sorts before "hip.yaml".
    _, errors = check_templates({"hip-copy.yaml": template(), "hip.yaml": template()}, {"bridge"})
    duplicate = [e for e in errors if "already used by hip-copy.yaml" in e.message]
    assert [(e.file, e.field) for e in duplicate] == [("hip.yaml", "slug")]


# --- content hash -------------------------------------------------------------------------


def test_content_hash_ignores_key_order_and_sees_changes() -> None:
    data = exercise("clamshell")
    reordered = dict(reversed(list(copy.deepcopy(data).items())))
    assert exercise_content_hash(data) == exercise_content_hash(reordered)
    assert len(exercise_content_hash(data)) == 64
    assert exercise_content_hash(data) != exercise_content_hash({**data, "level": 2})


def test_content_hash_is_sha256_of_canonical_json() -> None:
    canonical = '{"a":"é","b":[1,2]}'.encode()
    assert exercise_content_hash({"b": [1, 2], "a": "é"}) == hashlib.sha256(canonical).hexdigest()
    assert exercise_content_hash({"b": [1, 2], "a": "é"}) == (
        "9cfb1f938a87f2b8f3b8cc429c7a09116d54f048322742d4c23d4767b85f85da"
    )


# --- caution strengths (clinical.md s. 8) ---------------------------------------------------

CAUTIONED = exercise(
    "side-lying-leg-lift",
    cautions=[
        {"text": "Lying on the sore side presses on it.", "conditions": ["gluteal-tendinopathy"]}
    ],
    caution_strength={"gluteal-tendinopathy": "avoid"},
)


@pytest.mark.parametrize(
    ("changes", "field", "message_part"),
    [
        pytest.param(
            {"caution_strength": {}}, "caution_strength", "says nothing for", id="unclassified"
        ),
        pytest.param(
            {"caution_strength": {"gluteal-tendinopathy": "avoid", "fai": "take-care"}},
            "caution_strength.fai",
            "has no caution",
            id="strength-without-caution",
        ),
        pytest.param(
            {"caution_strength": {"gluteal-tendinopathy": "never"}},
            "caution_strength.gluteal-tendinopathy",
            "'never' is not one of: avoid, take-care",
            id="unknown-strength",
        ),
    ],
)
def test_every_caution_must_say_avoid_or_take_care(changes, field, message_part) -> None:
    errors = errors_for({**CAUTIONED, **changes})
    matching = [e for e in errors if e.field == field]
    assert matching, [str(e) for e in errors]
    assert message_part in matching[0].message


def test_a_classified_caution_is_valid() -> None:
    assert errors_for(CAUTIONED) == []


def test_a_template_may_prescribe_a_take_care_exercise_for_its_condition() -> None:
    _, errors = check_templates(files(template()), {"bridge", "clamshell"}, {"clamshell": []})
    assert errors == []
    _, errors = check_templates(
        files(with_first_prescription(exercise="clamshell")), {"bridge", "clamshell"}, {}
    )
    assert errors == []
