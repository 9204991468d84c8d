"""The shipped exercise library and the checks that keep library files correct."""

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.domain.library_files import (
    BODY_REGIONS,
    CATEGORIES,
    CONDITIONS,
    DEFAULT_LIBRARY_ROOT,
    EQUIPMENT,
    POSITIONS,
    SCHEMA_FILES,
    LibraryError,
    build_chains,
    caution_conditions,
    exercise_content_hash,
    load_exercises,
    load_templates,
    schema_file_text,
    validate_library,
)

# --- the shipped library ----------------------------------------------------------------


@pytest.fixture(scope="module")
def report():
    return validate_library(DEFAULT_LIBRARY_ROOT)


@pytest.fixture(scope="module")
def by_slug(report) -> dict[str, dict[str, Any]]:
    return {exercise["slug"]: exercise for exercise in report.exercises}


def test_shipped_library_has_no_errors(report) -> None:
    assert [str(error) for error in report.errors] == []


def test_shipped_library_meets_the_counts(report) -> None:
    assert len(report.exercises) >= 64
    assert report.counts_by_category["strengthening"] >= 22
    assert report.counts_by_category["stabilisation"] >= 16
    assert report.counts_by_category["mobility"] >= 16
    assert sum(report.counts_by_category.values()) == len(report.exercises)


def chain_through(by_slug: dict[str, dict[str, Any]], start: str) -> list[str]:
    chain = [start]
    while (following := by_slug[chain[-1]]["progression"]) is not None:
        chain.append(following)
    return chain


def is_in_order(expected: list[str], chain: list[str]) -> bool:
    """Return True when expected appears in chain in the same order (gaps allowed)."""
    remaining = iter(chain)
    return all(slug in remaining for slug in expected)


# clinical.md section 5, in order. Where two chains meet at one exercise (side plank with
# abduction) the library keeps one path and the clinical order is kept as a subsequence.
CLINICAL_CHAINS = [
    ["supine-isometric-abduction", "side-lying-abduction", "banded-side-lying-abduction"],
    ["clamshell", "banded-clamshell", "side-plank-knees", "side-plank-with-abduction"],
    ["side-plank-knees", "side-plank", "side-plank-with-abduction"],
    [
        "bridge",
        "offset-bridge",
        "single-leg-bridge",
        "hip-thrust",
        "loaded-single-leg-hip-thrust",
    ],
    ["sit-to-stand", "squat", "offset-squat", "single-leg-squat", "loaded-single-leg-squat"],
    ["low-step-up", "high-step-up", "lateral-step-down", "weighted-step-down"],
    ["supported-single-leg-rdl", "single-leg-rdl", "loaded-single-leg-rdl"],
    ["ball-squeeze", "side-lying-adduction", "copenhagen-short-lever", "copenhagen-long-lever"],
    ["isometric-hip-flexion", "banded-knee-drive", "loaded-hip-flexion"],
    ["plank", "plank-with-leg-lift"],
    ["double-leg-balance", "single-leg-balance", "single-leg-balance-knee-bends"],
]


@pytest.mark.parametrize("expected", CLINICAL_CHAINS, ids=lambda chain: chain[0])
def test_every_clinical_chain_is_present_in_order(by_slug, expected: list[str]) -> None:
    chain = chain_through(by_slug, expected[0])
    assert is_in_order(expected, chain), chain


def test_chains_that_meet_share_one_path_to_side_plank_with_abduction(by_slug) -> None:
    assert chain_through(by_slug, "clamshell") == [
        "clamshell",
        "banded-clamshell",
        "side-plank-knees",
        "side-plank",
        "side-plank-with-abduction",
    ]


def test_walk_run_levels_form_one_chain_to_continuous_running(by_slug) -> None:
    chain = chain_through(by_slug, "brisk-walk")
    assert chain == [
        "brisk-walk",
        *(f"walk-run-level-{level}" for level in range(1, 6)),
        "continuous-run-30-min",
    ]
    for slug in chain:
        assert by_slug[slug]["dose"]["duration_seconds"] is not None
        assert by_slug[slug]["dose"]["times_per_week"] == 3


def test_levels_never_go_down_along_any_chain(report, by_slug) -> None:
    for chain in build_chains(report.exercises):
        levels = [by_slug[slug]["level"] for slug in chain]
        assert levels == sorted(levels), chain


def test_late_stage_running_drills_are_in_the_library(by_slug) -> None:
    for slug in ("high-knees", "a-skips", "b-skips", "pogo-hops", "single-leg-hops", "bounding"):
        assert slug in by_slug


@pytest.mark.parametrize(
    "slug",
    [
        "clamshell",
        "side-lying-abduction",
        "banded-side-lying-abduction",
        "side-lying-adduction",
        "piriformis-stretch",
        "posterior-capsule-stretch",
        "lateral-hip-stretch",
        "foam-roll-glutes",
        "thoracic-open-book",
    ],
)
def test_compressive_exercises_carry_a_gluteal_tendinopathy_caution(by_slug, slug: str) -> None:
    assert "gluteal-tendinopathy" in caution_conditions(by_slug[slug])


def test_gluteal_tendinopathy_template_prescribes_no_compressive_exercise(report, by_slug) -> None:
    template = next(t for t in report.templates if t["slug"] == "gluteal-tendinopathy")
    prescribed = {
        item["exercise"] for phase in template["phases"] for item in phase["prescriptions"]
    }
    assert len(template["phases"]) == 4
    assert not [s for s in prescribed if "gluteal-tendinopathy" in caution_conditions(by_slug[s])]


def test_shipped_templates_cover_the_core_conditions(report) -> None:
    assert {t["slug"] for t in report.templates} >= {
        "gluteal-tendinopathy",
        "hip-pain-runners",
        "adductor-groin-pain",
        "hip-flexor-strain",
        "return-to-running",
        "maintenance-warm-up",
    }


def test_steps_are_written_in_the_second_person(report) -> None:
    for exercise in report.exercises:
        text = " ".join(exercise["steps"]).lower()
        assert "you" in text, exercise["slug"]


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_schema_files_match_the_constants(name: str) -> None:
    on_disk = (DEFAULT_LIBRARY_ROOT / "schema" / name).read_text(encoding="utf-8")
    assert on_disk == schema_file_text(SCHEMA_FILES[name]), "run write_schema_files()"


def test_schema_enums_mirror_the_closed_lists() -> None:
    schema = json.loads((DEFAULT_LIBRARY_ROOT / "schema" / "exercise.schema.json").read_text())
    properties = schema["properties"]
    assert properties["category"]["enum"] == list(CATEGORIES)
    assert properties["position"]["enum"] == list(POSITIONS)
    assert properties["body_regions"]["items"]["enum"] == list(BODY_REGIONS)
    assert properties["equipment"]["items"]["enum"] == list(EQUIPMENT)
    conditions = properties["cautions"]["items"]["properties"]["conditions"]["items"]["enum"]
    assert conditions == list(CONDITIONS)


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


def write(directory: Path, *exercises: dict[str, Any], name: str | None = None) -> Path:
    directory.mkdir(exist_ok=True)
    for data in exercises:
        path = directory / (name or f"{data['slug']}.yaml")
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return directory


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


def errors_for(tmp_path: Path, *exercises: dict[str, Any]) -> list[LibraryError]:
    _, errors = load_exercises(write(tmp_path / "exercises", *exercises))
    return errors


def without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


def test_a_valid_chain_loads_without_errors(tmp_path: Path) -> None:
    loaded, errors = load_exercises(
        write(tmp_path / "ex", *linked("a", "b", "c", levels=[1, 2, 2]))
    )
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
    tmp_path: Path, data: dict[str, Any], field: str, message_part: str
) -> None:
    errors = errors_for(tmp_path, data)
    matching = [e for e in errors if e.file == "clamshell.yaml" and e.field == field]
    assert matching, [str(e) for e in errors]
    assert message_part in matching[0].message


def test_slug_must_equal_the_file_name(tmp_path: Path) -> None:
    _, errors = load_exercises(write(tmp_path / "ex", exercise("clam"), name="clamshell.yaml"))
    assert [str(e) for e in errors] == [
        "clamshell.yaml: slug: 'clam' must equal the file name 'clamshell'"
    ]


def test_dangling_link_is_reported(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, exercise("clamshell", progression="nope"))
    assert [str(e) for e in errors] == [
        "clamshell.yaml: progression: links to 'nope', which does not exist"
    ]


def test_non_mutual_link_is_reported_on_the_linking_file(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, exercise("a", progression="b"), exercise("b"))
    assert [(e.file, e.field) for e in errors] == [("a.yaml", "progression")]
    assert "links must be mutual" in errors[0].message


def test_regression_without_matching_progression_is_reported(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, exercise("a"), exercise("b", regression="a"))
    assert [(e.file, e.field) for e in errors] == [("b.yaml", "regression")]


def test_level_going_down_along_a_chain_is_reported(tmp_path: Path) -> None:
    errors = errors_for(tmp_path, *linked("a", "b", levels=[3, 2]))
    assert [(e.file, e.field) for e in errors] == [("a.yaml", "level")]
    assert "'b' is level 2, lower than this exercise's level 3" in errors[0].message


def test_cycle_is_reported_once(tmp_path: Path) -> None:
    a = exercise("a", regression="c", progression="b")
    b = exercise("b", regression="a", progression="c")
    c = exercise("c", regression="b", progression="a")
    errors = errors_for(tmp_path, a, b, c)
    assert [str(e) for e in errors] == [
        "a.yaml: progression: chain loops back on itself: a -> b -> c -> a"
    ]


def test_duplicate_slug_is_reported_on_the_later_file(tmp_path: Path) -> None:
    directory = write(tmp_path / "ex", exercise("clamshell"))
    write(directory, exercise("clamshell"), name="other.yaml")
    _, errors = load_exercises(directory)
    duplicate = [e for e in errors if "already used by clamshell.yaml" in e.message]
    assert [(e.file, e.field) for e in duplicate] == [("other.yaml", "slug")]


@pytest.mark.parametrize(
    ("text", "field", "message_part"),
    [
        ("slug: clamshell\nname: [unclosed\n", "line 3", "is not valid YAML"),
        ("", "", "must be a YAML mapping"),
        ("- just\n- a list\n", "", "must be a YAML mapping"),
    ],
)
def test_unreadable_yaml_is_reported(
    tmp_path: Path, text: str, field: str, message_part: str
) -> None:
    (tmp_path / "clamshell.yaml").write_text(text, encoding="utf-8")
    _, errors = load_exercises(tmp_path)
    assert len(errors) == 1
    assert (errors[0].file, errors[0].field) == ("clamshell.yaml", field)
    assert message_part in errors[0].message


def test_library_error_reads_as_file_field_message() -> None:
    error = LibraryError("clamshell.yaml", "progression", "links to 'nope', which does not exist")
    assert str(error) == "clamshell.yaml: progression: links to 'nope', which does not exist"
    assert str(LibraryError("x.yaml", "", "is empty")) == "x.yaml: is empty"


def test_only_valid_exercises_are_returned(tmp_path: Path) -> None:
    loaded, errors = load_exercises(
        write(tmp_path / "ex", exercise("good"), exercise("bad", level=9))
    )
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


def template_errors(tmp_path: Path, *templates: dict[str, Any]) -> list[LibraryError]:
    directory = tmp_path / "templates"
    directory.mkdir(exist_ok=True)
    for data in templates:
        (directory / f"{data['slug']}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    _, errors = load_templates(
        directory, {"bridge", "clamshell"}, {"clamshell": ["gluteal-tendinopathy"]}
    )
    return errors


FIRST = "phases[0].prescriptions[0]"


def test_valid_template_loads(tmp_path: Path) -> None:
    assert template_errors(tmp_path, template()) == []


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
    tmp_path: Path, data: dict[str, Any], field: str, message_part: str
) -> None:
    errors = template_errors(tmp_path, data)
    matching = [e for e in errors if e.file == "hip.yaml" and e.field == field]
    assert matching, [str(e) for e in errors]
    assert message_part in matching[0].message


def test_days_of_week_count_as_times_per_week(tmp_path: Path) -> None:
    data = with_first_prescription(times_per_week=None, days_of_week=["mon", "wed", "fri"])
    assert template_errors(tmp_path, data) == []


def test_duplicate_template_slug_is_reported(tmp_path: Path) -> None:
    directory = tmp_path / "templates"
    directory.mkdir()
    for name in ("hip.yaml", "hip-copy.yaml"):
        (directory / name).write_text(yaml.safe_dump(template()), encoding="utf-8")
    _, errors = load_templates(directory, {"bridge"})
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
