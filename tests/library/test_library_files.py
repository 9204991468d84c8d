"""The shipped exercise library as read from its folder, and reading library files."""

import json
from pathlib import Path
from typing import Any

import pytest

from app.domain.library_files import (
    BODY_REGIONS,
    CATEGORIES,
    CONDITIONS,
    EQUIPMENT,
    POSITIONS,
    SCHEMA_FILES,
    avoided_conditions,
    build_chains,
    caution_conditions,
    check_exercises,
    schema_file_text,
)
from app.services.library_files import DEFAULT_LIBRARY_ROOT, read_folder, validate_library

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
    [
        "supine-isometric-abduction",
        "side-lying-abduction",
        "banded-side-lying-abduction",
        "side-plank-with-abduction",
    ],
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


# Where the library's chain deliberately differs from clinical.md s. 5 (also in
# exercise_library/README.md): chain start -> (s. 5's last step, the library's last step).
# Each exercise has one progression, and side plank with abduction's regression is side
# plank, so the open-chain abduction chain goes on to standing work instead; a physio moves
# the patient to the side-plank chain for the highest abductor load.
DELIBERATE_DIFFERENCES = {
    "supine-isometric-abduction": ("side-plank-with-abduction", "lateral-band-walk"),
}


@pytest.mark.parametrize("expected", CLINICAL_CHAINS, ids=lambda chain: chain[0])
def test_every_clinical_chain_is_present_in_order(by_slug, expected: list[str]) -> None:
    chain = chain_through(by_slug, expected[0])
    if expected[0] in DELIBERATE_DIFFERENCES:
        clinical_end, library_end = DELIBERATE_DIFFERENCES[expected[0]]
        assert expected[-1] == clinical_end and chain[-1] == library_end, chain
        expected = expected[:-1]
    assert is_in_order(expected, chain), chain


def test_every_caution_in_the_library_is_avoid_or_take_care(report) -> None:
    for exercise in report.exercises:
        assert set(exercise.get("caution_strength") or {}) == caution_conditions(exercise), (
            exercise["slug"]
        )


def test_compressive_exercises_are_to_avoid_in_gluteal_tendinopathy(by_slug) -> None:
    compressive = [s for s in by_slug if "gluteal-tendinopathy" in caution_conditions(by_slug[s])]
    assert compressive
    assert all("gluteal-tendinopathy" in avoided_conditions(by_slug[s]) for s in compressive)


def test_the_library_marks_the_return_to_running_readiness_tests(by_slug) -> None:
    marked = {slug for slug, data in by_slug.items() if data.get("readiness_test")}
    # clinical.md s. 6: single-leg squat, side plank 45 s, step-ups, hops.
    assert marked == {
        "single-leg-squat",
        "side-plank",
        "low-step-up",
        "high-step-up",
        "pogo-hops",
        "single-leg-hops",
    }
    assert not any(by_slug[slug].get("walk_run") for slug in marked)


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


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("walk-run-level-1", True),
        ("walk-run-level-5", True),
        ("continuous-run-30-min", True),
        ("brisk-walk", False),  # the entry to the chain, an ordinary exercise
        ("a-skips", False),  # a running drill (position "running") is not a walk-run level
        ("bridge", False),
    ],
)
def test_the_library_marks_the_walk_run_lines(by_slug, slug: str, expected: bool) -> None:
    assert by_slug[slug].get("walk_run", False) is expected


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


# --- reading files ------------------------------------------------------------------------


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
    _, errors = check_exercises(read_folder(tmp_path))
    assert len(errors) == 1
    assert (errors[0].file, errors[0].field) == ("clamshell.yaml", field)
    assert message_part in errors[0].message


def test_a_folder_is_read_by_file_name_and_only_its_yaml_files(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yaml", "notes.txt"):
        (tmp_path / name).write_text("slug: x\n", encoding="utf-8")
    assert read_folder(tmp_path) == {"a.yaml": {"slug": "x"}, "b.yaml": {"slug": "x"}}
