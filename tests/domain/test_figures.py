"""Exercise figures: forward kinematics, placement, the pose checks and the SVG."""

import json
from typing import Any
from xml.etree import ElementTree

import pytest

from app.domain import figures
from app.domain.library_files import check_exercises

from .test_library_files import exercise, files

STANDING = {"view": "side", "posture": "standing", "contacts": ["feet"], "start": {}, "end": {}}


def figure(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(STANDING))
    data.update(changes)
    return data


# --- the body --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("angles", "point", "axis", "low", "high"),
    [
        # From the pelvis (hip-joint centres): the head's centre 0.288 H + neck + radius up.
        ({}, "head", 1, 60, 75),
        ({}, "r_toe", 0, 14, 22),  # the toes point forward (+x)
        ({"r_hip": 90}, "r_knee", 0, 40, 43),  # hip flexion 90: the thigh points forward
        ({"r_hip": 90}, "r_knee", 1, -1, 1),
        ({"r_knee": 90}, "r_ankle", 0, -43, -40),  # knee flexion: the shin swings back
        ({"r_hip_abd": 90 - 45}, "r_knee", 2, 36, 39),  # abduction: out to the right (+z)
        ({"l_hip_abd": 45}, "l_knee", 2, -39, -36),  # and the left leg to the left
        ({"r_shoulder": 180}, "r_hand", 1, 100, 110),  # arm straight up
        ({"pitch": -90}, "head", 0, -75, -60),  # supine: the head lies behind (-x)
        ({"pitch": 90}, "head", 0, 60, 75),  # prone: ahead (+x)
        ({"spine": 60}, "head", 0, 25, 60),  # trunk flexion leans forward
    ],
)
def test_joint_angles_move_the_limbs_the_anatomical_way(angles, point, axis, low, high):  # type: ignore[no-untyped-def]
    position = figures.body_points(figures.pose_angles("standing", angles))[point]
    assert low <= position[axis] <= high


def test_a_sided_angle_beats_the_plain_one_whatever_the_order() -> None:
    angles = figures.pose_angles("standing", {"r_knee": 30, "knee": 90})
    assert angles["r_knee"] == 30 and angles["l_knee"] == 90


def test_every_posture_uses_only_known_angles() -> None:
    keys = set(figures.angle_keys())
    for name, angles in figures.POSTURES.items():
        assert set(angles) <= keys, name


def test_a_standing_figure_stands_on_the_floor_with_its_feet() -> None:
    scene = figures.scene_for(figure())
    start = scene.frames[0]
    assert abs(start["r_heel"][1]) < 0.01 and abs(start["l_toe"][1]) < 0.01
    assert 160 < start["head"][1] + figures.HEAD_RADIUS < 180


def test_planted_feet_stay_put_through_a_squat() -> None:
    squat = figure(end={"pitch": 40, "hip": 100, "knee": 80, "solve": ["ankle", "knee"]})
    scene = figures.scene_for(squat)
    assert figures.figure_errors(squat) == []
    assert scene.frames[0]["r_heel"][0] == pytest.approx(scene.frames[1]["r_heel"][0])
    assert scene.frames[1]["pelvis"][1] < scene.frames[0]["pelvis"][1] - 20


def test_solve_finds_the_angle_that_puts_every_contact_down() -> None:
    bridge = {
        "view": "side",
        "posture": "supine-knees-bent",
        "contacts": ["feet", "shoulders"],
        "start": {"solve": ["ankle", "pitch"]},
        "end": {"hip": -5, "knee": 95, "neck": 25, "solve": ["pitch", "ankle"]},
    }
    assert figures.figure_errors(bridge) == []
    solved = figures.solve_figure(figures.parse_figure(bridge))
    assert solved.keyframes[1].angles["pitch"] < -100  # the pelvis is up, the head down


# --- the checks, table-driven ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        (figure(end={"r_knee": 150}), "end.r_knee", "r_knee 150 degrees leaves the human range"),
        (figure(end={"hip_abd": 60}), "end.hip_abd", "hip abduction (+) / adduction (-)"),
        (figure(start={"r_elbow": -10}), "start.r_elbow", "0 to 150"),
        (figure(end={"spine": 95}), "end.spine", "trunk flexion"),
        (figure(end={"ankle": 40}), "end.ankle", "ankle dorsiflexion"),
        (
            figure(end={"r_hip": 90, "r_knee": 90}),
            "end.contacts",
            "r_heel should rest on the floor but is",
        ),
        (
            figure(contacts=["feet", "hands"]),
            "start.contacts",
            "l_hand should rest on the floor but is",
        ),
        (
            figure(posture="supine", start={"spine": -25, "contacts": ["pelvis"]}),
            "start",
            "through the floor",
        ),
        (
            figure(end={"shoulder": 180, "lift": 40, "contacts": []}),
            "end",
            "the figure leaves the frame at the top",
        ),
        (
            figure(posture="sitting", contacts=["feet", "pelvis:chair"]),
            "start.contacts",
            "pelvis rests on a chair, which is not in props",
        ),
        (
            figure(posture="sitting", props=[{"chair": 80}], contacts=["feet", "pelvis:chair"]),
            "start.contacts",
            "pelvis should rest on the chair but is",
        ),
        (
            figure(posture="sitting", props=["chair"]),
            "props",
            "nothing rests on the chair",
        ),
        (figure(contacts=["feet", "elbow"]), "start.contacts", "'elbow' is not a body point"),
        (figure(props=[{"band": ["r_knee", "nose"]}]), "props[0]", "'nose' is not a body point"),
        (figure(start={"solve": ["wobble"]}), "start.solve", "'wobble' is not an angle"),
        ({k: v for k, v in STANDING.items() if k != "end"}, "", "needs a start and an end pose"),
    ],
)
def test_a_figure_that_is_not_humanly_possible_is_refused(raw, field, words):  # type: ignore[no-untyped-def]
    errors = figures.figure_errors(raw)
    assert any(e.field == field and words in e.message for e in errors), errors


def test_a_pose_inside_every_range_resting_where_it_says_passes() -> None:
    sit = figure(
        posture="sitting",
        props=["chair"],
        contacts=["feet", "pelvis:chair"],
        start={"solve": "ankle"},
        end={"hip": 0, "knee": 0, "contacts": ["feet"]},
    )
    assert figures.figure_errors(sit) == []


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"view": "sideways"}, "figure.view", "'sideways' is not one of"),
        ({"posture": "handstand"}, "figure.posture", "'handstand' is not one of"),
        ({"start": {"r_wing": 10}}, "figure.start", "unknown field(s): r_wing"),
        ({"end": {"r_knee": 150}}, "figure.end.r_knee", "leaves the human range"),
    ],
)
def test_the_library_check_names_the_file_and_the_figure_field(change, field, words):  # type: ignore[no-untyped-def]
    data = exercise("lunge", figure=figure(**change))
    _valid, errors = check_exercises(files(data))
    assert any(
        e.file == "lunge.yaml" and e.field == field and words in e.message for e in errors
    ), errors


def test_an_exercise_without_a_figure_is_still_valid() -> None:
    valid, errors = check_exercises(files(exercise("lunge")))
    assert errors == [] and len(valid) == 1


# --- drawing --------------------------------------------------------------------------------


def _svg(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(text)


def test_the_svg_parses_and_escapes_its_label() -> None:
    scene = figures.scene_for(figure())
    svg = _svg(figures.render_svg(scene, scene.frames[0], 'Stand "tall" & <breathe>'))
    assert svg.get("aria-label") == 'Stand "tall" & <breathe>'
    assert svg.get("role") == "img"


def test_far_limbs_are_drawn_behind_the_torso_and_near_limbs_in_front() -> None:
    scene = figures.scene_for(figure())
    svg = _svg(figures.render_svg(scene, scene.frames[0], "x"))
    order = [el.get("class") for el in svg.iter() if el.get("class", "").startswith("fig-")]
    torso = order.index("fig-torso")
    assert "fig-far" in order[:torso] and "fig-far" not in order[torso:]
    assert "fig-near" in order[torso:]


def test_the_animation_frames_run_from_the_start_pose_to_the_end_pose() -> None:
    scene = figures.scene_for(figure(end={"r_hip": 90, "contacts": ["l_foot"]}))
    frames = figures.animation_frames(scene, steps=4)
    assert len(frames) == 5
    moving = [s for s in figures.figure_shapes(scene) if s.points]
    assert all(len(pose) == len(moving) for pose in frames)
    assert frames[0] != frames[-1]


@pytest.mark.parametrize(
    ("figure_side", "prescribed", "mirrored"),
    [("right", "left", True), ("right", "right", False), ("right", "each", False)]
    + [("left", "right", True), ("both", "left", False)],
)
def test_the_other_side_is_drawn_mirrored(figure_side, prescribed, mirrored):  # type: ignore[no-untyped-def]
    markup = figures.figure_markup(figure(side=figure_side), ["Stand."], "reps", prescribed)
    assert markup.mirrored is mirrored
    assert ("fig-mirrored" in markup.start_svg) is mirrored


def test_a_hold_is_paced_by_its_hold_and_reps_by_their_tempo() -> None:
    hold = figures.figure_markup(figure(), ["Stand."], "hold")
    reps = figures.figure_markup(figure(), ["Stand."], "reps")
    assert hold.tempo == figures.TEMPO_HOLD and reps.tempo == figures.TEMPO_REPS


def test_alt_text_comes_from_the_steps() -> None:
    markup = figures.figure_markup(figure(), ["Stand tall.", "Bend.", "Rise."], "reps")
    assert 'aria-label="Start position: Stand tall."' in markup.start_svg
    assert 'aria-label="End position: Bend. Rise."' in markup.end_svg
