"""Exercise figures: a jointed person posed from joint angles, checked, and drawn as SVG.

An exercise file's `figure:` block names a base posture (standing, supine, ...), the keyframes
(start, optional middle, end) as joint-angle overrides, the camera (side, front, top), what
rests on the floor or a prop, the props and the working side. This module turns that into 3D
joint positions (forward kinematics from the pelvis), places the body on the floor, checks the
angles against normal human ranges, the contacts and the frame, and writes the SVG. Pure: no
Flask, no files.

World axes, in centimetres: x forward (the way a standing figure faces), y up, z the figure's
right. The side camera looks at the figure's right side; the front camera faces the figure
(its right on the picture's left); the top camera looks down at the floor.
"""

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

Vec = tuple[float, float, float]
Mat = tuple[Vec, Vec, Vec]  # rows

# --- the body ---------------------------------------------------------------------------

# Segment lengths for a 170 cm adult as fractions of height, from Drillis and Contini's
# segment table in Winter, "Biomechanics and Motor Control of Human Movement" (4th ed., 2009,
# fig. 4.1): upper arm 0.186 H, forearm 0.146 H, thigh 0.245 H, shank 0.246 H, foot 0.152 H,
# ankle height 0.039 H, hip to shoulder 0.288 H, shoulder width 0.259 H, hip width 0.191 H.
HEIGHT = 170.0
UPPER_ARM = 0.186 * HEIGHT
FOREARM = 0.146 * HEIGHT
HAND = 0.025 * HEIGHT  # the drawn stub: a fist, or a flat hand seen edge-on
THIGH = 0.245 * HEIGHT
SHANK = 0.246 * HEIGHT
ANKLE_HEIGHT = 0.039 * HEIGHT
FOOT = 0.152 * HEIGHT
LUMBAR = 0.12 * HEIGHT  # pelvis (hip-joint centres) to the waist
THORAX = 0.168 * HEIGHT  # waist to the base of the neck; LUMBAR + THORAX = 0.288 H
HALF_SHOULDERS = 0.259 * HEIGHT / 2 - 4.0  # joint centres sit inside the shoulder breadth
HALF_HIPS = 0.191 * HEIGHT / 2 - 7.5  # hip-joint centres, inside the hip breadth
HALF_WAIST = 10.0
NECK = 7.0
HEAD_RADIUS = 11.0

# Drawn thickness (SVG stroke width, cm) of each segment; round caps give rounded joints.
THICKNESS = {
    "upper_arm": 10.0,
    "forearm": 8.0,
    "hand": 7.0,
    "thigh": 15.0,
    "shank": 11.0,
    "foot": 7.0,
    "neck": 9.0,
    "torso": 20.0,  # seen from the side; from the front or above it is drawn thinner
}
TORSO_FRONT = 10.0

# Normal active ranges of motion in degrees, (lowest, highest), from the American Academy of
# Orthopaedic Surgeons' values (Greene and Heckman, "The Clinical Measurement of Joint
# Motion", AAOS 1994; as tabulated in Norkin and White, "Measurement of Joint Motion: A Guide
# to Goniometry", 5th ed., 2016, appendix A). Flexion, abduction and internal rotation are
# positive; extension, adduction and external rotation negative.
# hip: flexion 120, extension 30 (AAOS 30; Norkin and White give 20 for some studies);
# abduction 45, adduction 30; internal rotation 45, external rotation 45.
# knee: flexion 135 (hyperextension 10 accepted). ankle: dorsiflexion 20, plantarflexion 50.
# shoulder: flexion 180, extension 60; abduction 180; internal rotation 70, external 90.
# elbow: flexion 150. thoracolumbar spine: flexion 80, extension 25 (AAOS lumbar), lateral
# flexion 35, rotation 45. cervical spine: flexion 45, extension 45.
JOINT_RANGES: dict[str, tuple[float, float, str]] = {
    "hip": (-30, 120, "hip flexion (+) / extension (-)"),
    "hip_abd": (-30, 45, "hip abduction (+) / adduction (-)"),
    "hip_rot": (-45, 45, "hip internal (+) / external (-) rotation"),
    "knee": (-10, 135, "knee flexion"),
    "ankle": (-50, 20, "ankle dorsiflexion (+) / plantarflexion (-)"),
    "shoulder": (-60, 180, "shoulder flexion (+) / extension (-)"),
    "shoulder_abd": (0, 180, "shoulder abduction"),
    "shoulder_rot": (-90, 70, "shoulder internal (+) / external (-) rotation"),
    "elbow": (0, 150, "elbow flexion"),
    "spine": (-25, 80, "trunk flexion (+) / extension (-)"),
    "spine_bend": (-35, 35, "trunk side bend, right (+) / left (-)"),
    "spine_turn": (-45, 45, "trunk rotation, right (+) / left (-)"),
    "neck": (-45, 45, "neck flexion (+) / extension (-)"),
}
SIDED_JOINTS = frozenset(
    {"hip", "hip_abd", "hip_rot", "knee", "ankle", "shoulder", "shoulder_abd", "shoulder_rot"}
    | {"elbow"}
)
# Where the pelvis points in the world: not a joint, so any angle is allowed.
ROOT_ANGLES = ("pitch", "roll", "yaw")
SIDES = ("l", "r")


def angle_keys() -> list[str]:
    """Return every key a keyframe may set: root angles, joints and l_/r_ sided joints."""
    keys = [*ROOT_ANGLES, *JOINT_RANGES]
    keys += [f"{side}_{joint}" for joint in sorted(SIDED_JOINTS) for side in SIDES]
    return keys


# Named base postures: the angles every keyframe starts from before its own overrides.
POSTURES: dict[str, dict[str, float]] = {
    "standing": {},
    "supine": {"pitch": -90, "ankle": -15},
    "supine-knees-bent": {"pitch": -90, "hip": 45, "knee": 90, "ankle": -10},
    "prone": {"pitch": 90, "ankle": -40, "shoulder": 150, "elbow": 110},
    "side-lying": {
        "roll": -90,
        "yaw": -90,
        "l_shoulder": 170,
        "l_elbow": 30,
        "r_elbow": 90,
        "r_shoulder": 20,
        "r_shoulder_rot": 60,
        "hip": 20,
        "knee": 10,
    },
    "quadruped": {"pitch": 75, "hip": 75, "knee": 105, "shoulder": 75, "ankle": -50},
    "sitting": {"hip": 90, "knee": 90},
    "long-sitting": {"hip": 90, "shoulder": 30, "elbow": 10},
    "kneeling": {"knee": 90, "ankle": -40},
    "half-kneeling": {"r_hip": 90, "r_knee": 90, "l_hip": -10, "l_knee": 100, "l_ankle": -40},
    "plank": {"pitch": 80, "shoulder": 80, "elbow": 90, "ankle": 10},
    "side-plank": {
        "roll": -70,
        "yaw": -90,
        "l_shoulder_abd": 75,
        "l_elbow": 90,
        "l_shoulder": 0,
        "r_elbow": 90,
        "r_shoulder_rot": 70,
    },
    "lunge": {"r_hip": 80, "r_knee": 85, "l_hip": -20, "l_knee": 80, "l_ankle": -30, "r_ankle": 5},
    "squat": {"pitch": 35, "hip": 80, "knee": 85, "ankle": 15, "shoulder": 80},
}

# Body points that can rest on something, with the distance from the point to the skin that
# touches (cm), so "the pelvis rests on the floor" means the buttocks do.
POINT_RADIUS = {
    "head": HEAD_RADIUS,
    "pelvis": 10.0,
    "shoulder": 8.0,
    "hip": 9.0,
    "knee": 6.0,
    "elbow": 4.0,
    "hand": 3.5,
    "heel": 0.0,
    "toe": 0.0,
    "thigh": 7.5,
    "calf": 5.5,
}
# Group names a `contacts` list may use, each standing for body points.
POINT_GROUPS: dict[str, tuple[str, ...]] = {
    "feet": ("l_heel", "l_toe", "r_heel", "r_toe"),
    "toes": ("l_toe", "r_toe"),
    "heels": ("l_heel", "r_heel"),
    "l_foot": ("l_heel", "l_toe"),
    "r_foot": ("r_heel", "r_toe"),
    "knees": ("l_knee", "r_knee"),
    "hands": ("l_hand", "r_hand"),
    "elbows": ("l_elbow", "r_elbow"),
    "forearms": ("l_elbow", "l_hand", "r_elbow", "r_hand"),
    "l_forearm": ("l_elbow", "l_hand"),
    "r_forearm": ("r_elbow", "r_hand"),
    "shoulders": ("l_shoulder", "r_shoulder"),
    "thighs": ("l_thigh", "r_thigh"),
    "calves": ("l_calf", "r_calf"),
}
SINGLE_POINTS = ("head", "pelvis") + tuple(
    f"{side}_{name}" for name in POINT_RADIUS if name not in ("head", "pelvis") for side in SIDES
)


# Props. Surfaces are placed where the body rests on them in the first keyframe that says so,
# and stay put; their height must be one a home or clinic has (cm).
SURFACE_HEIGHTS: dict[str, tuple[float, float]] = {
    "step": (10, 35),
    "chair": (38, 55),
    "bench": (30, 55),
    "foam-roller": (12, 18),
    "wall": (0, 220),  # a wall takes what leans on it at any height
}
HELD_PROPS = ("dumbbell", "kettlebell")  # hang from a hand
BETWEEN_PROPS = ("band", "ball")  # between two body points (a band may end at an anchor)
# Fixed ends a band or cable may be tied to: ahead of or behind the start pose, at the
# start's hand height (a door anchor), or low (a cable pulley at the ankle).
BAND_ENDS = ("ahead", "behind", "ahead-low", "behind-low")
FLOOR_PROPS = ("mat", "cones", "sliders")
PROPS = (*SURFACE_HEIGHTS, *HELD_PROPS, *BETWEEN_PROPS, *FLOOR_PROPS)

VIEWS = ("side", "front", "top")
WORKING_SIDES = ("left", "right", "both")
KEYFRAMES = ("start", "middle", "end")
FRAME_FIELDS = ("contacts", "lift", "solve")  # the keyframe keys that are not angles
# The frame every figure is drawn in: width and height (cm) and the floor's height from the
# bottom edge; one scale for all, so a contact sheet compares like with like.
FRAME_WIDTH, FRAME_HEIGHT, FLOOR_MARGIN = 300.0, 220.0, 14.0
CONTACT_TOLERANCE = 5.0  # cm a resting point may float above its surface, or sink into it
FLOOR_SINK = 5.0  # cm a body point may dip below the floor (soft tissue, a mat)
# A foot is drawn as a thin sole line; kneeling puts its top on the floor, which the line
# model can only show as the sole dipping a little below it.
FOOT_SINK = 10.0


# --- vectors ----------------------------------------------------------------------------


def _rot(axis: str, degrees: float) -> Mat:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    if axis == "x":
        return ((1, 0, 0), (0, c, -s), (0, s, c))
    if axis == "y":
        return ((c, 0, s), (0, 1, 0), (-s, 0, c))
    return ((c, -s, 0), (s, c, 0), (0, 0, 1))


def _mul(a: Mat, b: Mat) -> Mat:
    rows = tuple(
        tuple(sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)) for i in range(3)
    )
    return rows  # type: ignore[return-value]


def _apply(m: Mat, v: Vec) -> Vec:
    return (
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    )


def _add(a: Vec, b: Vec) -> Vec:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _chain(*rotations: Mat) -> Mat:
    result: Mat = ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    for rotation in rotations:
        result = _mul(result, rotation)
    return result


# --- forward kinematics -----------------------------------------------------------------


def pose_angles(posture: str, overrides: Mapping[str, float]) -> dict[str, float]:
    """Return every angle of a keyframe: the posture's, then the overrides (sided wins)."""
    angles: dict[str, float] = {}
    for source in (POSTURES.get(posture, {}), overrides):
        for key, value in source.items():
            if key in SIDED_JOINTS:
                for side in SIDES:
                    angles[f"{side}_{key}"] = float(value)
            else:
                angles[key] = float(value)
        # A sided value given alongside the plain one wins, whatever order it was written in.
        for key, value in source.items():
            if key[:2] in ("l_", "r_"):
                angles[key] = float(value)
    return angles


def _limb_rotation(angles: Mapping[str, float], side: str, joint: str) -> Mat:
    """Return a ball joint's rotation: flexion, then abduction, then rotation on its axis."""
    flexion = angles.get(f"{side}_{joint}", 0.0)
    abduction = angles.get(f"{side}_{joint}_abd", 0.0)
    rotation = angles.get(f"{side}_{joint}_rot", 0.0)
    sign = 1.0 if side == "r" else -1.0  # the right limb moves out towards +z
    return _chain(_rot("z", flexion), _rot("x", -sign * abduction), _rot("y", sign * rotation))


def body_points(angles: Mapping[str, float]) -> dict[str, Vec]:
    """Return the 3D position of every joint, with the pelvis (hip-joint midpoint) at 0."""
    root = _chain(
        _rot("y", angles.get("yaw", 0.0)),
        _rot("z", -angles.get("pitch", 0.0)),
        _rot("x", angles.get("roll", 0.0)),
    )
    points: dict[str, Vec] = {"pelvis": (0.0, 0.0, 0.0)}
    spine = angles.get("spine", 0.0) / 2
    bend = angles.get("spine_bend", 0.0) / 2
    turn = angles.get("spine_turn", 0.0) / 2
    # Flexion tips the trunk forward (+x); a right side bend towards +z; a right turn
    # brings the front (+x) round towards +z.
    spine_step = _chain(_rot("z", -spine), _rot("x", bend), _rot("y", -turn))
    lumbar = _mul(root, spine_step)
    thorax = _mul(lumbar, spine_step)
    waist = _apply(lumbar, (0.0, LUMBAR, 0.0))
    neck_base = _add(waist, _apply(thorax, (0.0, THORAX, 0.0)))
    points["waist"] = waist
    points["neck"] = neck_base
    head_frame = _mul(thorax, _rot("z", -angles.get("neck", 0.0)))
    points["head"] = _add(neck_base, _apply(head_frame, (2.0, NECK + HEAD_RADIUS, 0.0)))
    points["chest"] = _add(waist, _apply(thorax, (0.0, THORAX * 0.55, 0.0)))
    for side in SIDES:
        sign = 1.0 if side == "r" else -1.0
        points[f"{side}_waist"] = _add(waist, _apply(lumbar, (0.0, 0.0, sign * HALF_WAIST)))
        shoulder = _add(neck_base, _apply(thorax, (0.0, -3.0, sign * HALF_SHOULDERS)))
        arm = _mul(thorax, _limb_rotation(angles, side, "shoulder"))
        elbow = _add(shoulder, _apply(arm, (0.0, -UPPER_ARM, 0.0)))
        fore = _mul(arm, _rot("z", angles.get(f"{side}_elbow", 0.0)))
        wrist = _add(elbow, _apply(fore, (0.0, -FOREARM, 0.0)))
        hand = _add(wrist, _apply(fore, (0.0, -HAND, 0.0)))
        hip = _apply(root, (0.0, 0.0, sign * HALF_HIPS))
        leg = _mul(root, _limb_rotation(angles, side, "hip"))
        knee = _add(hip, _apply(leg, (0.0, -THIGH, 0.0)))
        shin = _mul(leg, _rot("z", -angles.get(f"{side}_knee", 0.0)))
        ankle = _add(knee, _apply(shin, (0.0, -SHANK, 0.0)))
        foot = _mul(shin, _rot("z", angles.get(f"{side}_ankle", 0.0)))
        points[f"{side}_shoulder"] = shoulder
        points[f"{side}_elbow"] = elbow
        points[f"{side}_wrist"] = wrist
        points[f"{side}_hand"] = hand
        points[f"{side}_hip"] = hip
        points[f"{side}_thigh"] = _add(hip, _apply(leg, (0.0, -THIGH * 0.5, 0.0)))
        points[f"{side}_knee"] = knee
        points[f"{side}_calf"] = _add(knee, _apply(shin, (0.0, -SHANK * 0.4, 0.0)))
        points[f"{side}_ankle"] = ankle
        points[f"{side}_heel"] = _add(ankle, _apply(foot, (-5.0, -ANKLE_HEIGHT, 0.0)))
        points[f"{side}_toe"] = _add(ankle, _apply(foot, (FOOT - 5.0, -ANKLE_HEIGHT, 0.0)))
    return points


def _radius(point: str) -> float:
    return POINT_RADIUS.get(point.split("_", 1)[-1] if point[:2] in ("l_", "r_") else point, 0.0)


def expand_contacts(names: Sequence[str]) -> list[str]:
    """Return the body points a contacts list names, groups expanded, in order."""
    points: list[str] = []
    for name in names:
        for point in POINT_GROUPS.get(name, (name,)):
            if point not in points:
                points.append(point)
    return points


# --- the figure as declared -------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """A body point (or group) resting on the floor or on a surface prop."""

    point: str
    surface: str  # "floor" or a SURFACE_HEIGHTS prop


@dataclass(frozen=True)
class Keyframe:
    name: str  # start | middle | end
    angles: dict[str, float]  # overrides as written
    contacts: tuple[Contact, ...]
    lift: float  # cm the lowest point is off the floor (a hop)
    solve: tuple[str, ...] = ()  # angles to find so that every floor contact touches


@dataclass(frozen=True)
class Prop:
    kind: str
    points: tuple[str, ...]  # body points it hangs from or sits between; "wall" for a band end
    height: float | None = None  # a surface's height when given, e.g. {step: 20}


@dataclass(frozen=True)
class FigureSpec:
    view: str
    posture: str
    side: str
    keyframes: tuple[Keyframe, ...]
    props: tuple[Prop, ...]


@dataclass(frozen=True)
class FigureError:
    """One problem in a figure block, naming the field (dotted path inside `figure`)."""

    field: str
    message: str


def _parse_contacts(raw: object) -> tuple[Contact, ...]:
    contacts = []
    for item in raw if isinstance(raw, list) else []:
        point, _, surface = str(item).partition(":")
        contacts.append(Contact(point, surface or "floor"))
    return tuple(contacts)


def _parse_prop(raw: object) -> Prop:
    if isinstance(raw, Mapping) and len(raw) == 1:
        ((kind, where),) = raw.items()
        if isinstance(where, int | float) and not isinstance(where, bool):
            return Prop(str(kind), (), float(where))
        points = tuple(str(p) for p in where) if isinstance(where, list) else (str(where),)
        return Prop(str(kind), points)
    return Prop(str(raw), ())


def parse_figure(raw: Mapping[str, Any]) -> FigureSpec:
    """Return the figure block as typed values (shape already checked by the schema)."""
    contacts = _parse_contacts(raw.get("contacts"))
    keyframes = []
    for name in KEYFRAMES:
        frame = raw.get(name)
        if not isinstance(frame, Mapping):
            continue
        angles = {k: float(v) for k, v in frame.items() if k not in FRAME_FIELDS}
        own = _parse_contacts(frame["contacts"]) if "contacts" in frame else contacts
        solve = frame.get("solve") or ()
        solve = (solve,) if isinstance(solve, str) else tuple(str(k) for k in solve)
        keyframes.append(Keyframe(name, angles, own, float(frame.get("lift", 0)), solve))
    return FigureSpec(
        view=str(raw.get("view", "side")),
        posture=str(raw.get("posture", "standing")),
        side=str(raw.get("side", "both")),
        keyframes=tuple(keyframes),
        props=tuple(_parse_prop(p) for p in raw.get("props") or []),
    )


# --- placing and checking ---------------------------------------------------------------


@dataclass(frozen=True)
class PlacedProp:
    kind: str
    # surface props: (x, y_top, z) where the body rests; held and between props: unused
    at: Vec
    points: tuple[str, ...]


@dataclass(frozen=True)
class Scene:
    """Every keyframe's joints placed in the world, and where the surface props stand."""

    spec: FigureSpec
    frames: tuple[dict[str, Vec], ...]
    props: tuple[PlacedProp, ...]


def _place(
    points: dict[str, Vec],
    keyframe: Keyframe,
    anchors: Mapping[str, Vec],
    tops: Mapping[str, float],
) -> dict[str, Vec]:
    """Move a pose into the world: onto what it rests on, its anchor where the start had it.

    Height: the lowest floor contact on the floor (plus any lift); with none, the lowest
    contact on a surface whose height is known on that surface; else the lowest point on the
    floor. Across: the first contact the start pose also rests on stays where it was (feet
    planted through a squat); with none, the pelvis stays.
    """
    floor = [
        p for c in keyframe.contacts if c.surface == "floor" for p in expand_contacts([c.point])
    ]
    raised = [
        (p, tops[c.surface])
        for c in keyframe.contacts
        if c.surface in tops and c.surface != "wall"
        for p in expand_contacts([c.point])
    ]
    if floor:
        dy = keyframe.lift - min(points[p][1] - _radius(p) for p in floor)
    elif raised:
        dy = min(top - (points[p][1] - _radius(p)) for p, top in raised)
    else:
        dy = keyframe.lift - min(points[p][1] - _radius(p) for p in points)
    resting = [p for c in keyframe.contacts for p in expand_contacts([c.point])]
    first = next((p for p in resting if p in anchors), "pelvis")
    if first in anchors:
        dx, dz = anchors[first][0] - points[first][0], anchors[first][2] - points[first][2]
    else:
        dx = dz = 0.0
    return {name: (p[0] + dx, p[1] + dy, p[2] + dz) for name, p in points.items()}


def _anchors(keyframe: Keyframe, points: Mapping[str, Vec]) -> dict[str, Vec]:
    """Return the start pose's resting points and pelvis: what later poses keep in place."""
    names = [p for c in keyframe.contacts for p in expand_contacts([c.point])] + ["pelvis"]
    return {name: points[name] for name in names}


def _solve_range(key: str) -> tuple[float, float]:
    joint = key[2:] if key[:2] in ("l_", "r_") else key
    if joint in JOINT_RANGES:
        return JOINT_RANGES[joint][0], JOINT_RANGES[joint][1]
    return -180.0, 180.0


def _resting_cost(
    angles: Mapping[str, float], keyframe: Keyframe, tops: Mapping[str, float]
) -> float:
    """Return how far a pose is from resting on all its floor contacts (0: it does).

    Contacts on a surface of known height count too, measured from the floor.
    """
    points = body_points(angles)
    floor = [
        p for c in keyframe.contacts if c.surface == "floor" for p in expand_contacts([c.point])
    ]
    if not floor:
        return 0.0
    heights = [points[p][1] - _radius(p) for p in floor]
    low = min(heights)
    cost = sum((h - low) ** 2 for h in heights)
    for contact in keyframe.contacts:
        if contact.surface in tops:
            for p in expand_contacts([contact.point]):
                cost += (points[p][1] - _radius(p) - low - tops[contact.surface]) ** 2
    for name, point in points.items():
        sink = low - (point[1] - _radius(name)) - FLOOR_SINK
        if sink > (FOOT_SINK if name.endswith(("_toe", "_heel")) else 0) and name not in (
            "waist",
            "chest",
            "neck",
        ):
            cost += 10 * sink**2
    return cost


def _with(angles: Mapping[str, float], key: str, value: float) -> dict[str, float]:
    """Return the angles with one set; a plain sided joint ("knee") sets both sides."""
    keys = [f"{side}_{key}" for side in SIDES] if key in SIDED_JOINTS else [key]
    return {**angles, **dict.fromkeys(keys, value)}


def _value(angles: Mapping[str, float], key: str) -> float:
    return angles.get(f"r_{key}" if key in SIDED_JOINTS else key, 0.0)


def solve_keyframe(
    posture: str, keyframe: Keyframe, tops: Mapping[str, float] | None = None
) -> Keyframe:
    """Return the keyframe with its `solve` angles found so that its floor contacts touch.

    Coordinate descent over the named angles, each kept inside its human range (the root
    angles anywhere): a coarse scan, then finer ones around the best value.
    """
    if not keyframe.solve:
        return keyframe
    angles = pose_angles(posture, keyframe.angles)
    for _round in range(2):
        for key in keyframe.solve:
            low, high = _solve_range(key)
            best = _value(angles, key)
            for step in (5.0, 1.0, 0.25):
                centre = best
                span = (high - low) if step == 5.0 else step * 5
                candidates = [
                    v
                    for i in range(int(2 * span / step) + 1)
                    if low <= (v := (low if step == 5.0 else centre - span) + i * step) <= high
                ]
                best = min(
                    candidates,
                    key=lambda v: (
                        _resting_cost(_with(angles, key, v), keyframe, tops or {}),
                        abs(v - centre),
                    ),
                )
            angles = _with(angles, key, best)
    solved = dict(keyframe.angles)
    solved.update({key: round(_value(angles, key), 2) for key in keyframe.solve})
    return Keyframe(keyframe.name, solved, keyframe.contacts, keyframe.lift, keyframe.solve)


def solve_figure(spec: FigureSpec) -> FigureSpec:
    """Return the figure with every keyframe's `solve` angles found."""
    tops = {p.kind: p.height for p in spec.props if p.height is not None}
    frames = tuple(solve_keyframe(spec.posture, keyframe, tops) for keyframe in spec.keyframes)
    return FigureSpec(spec.view, spec.posture, spec.side, frames, spec.props)


def build_scene(spec: FigureSpec) -> Scene:
    """Pose and place every keyframe, standing the surface props where they are rested on."""
    frames: list[dict[str, Vec]] = []
    anchors: dict[str, Vec] = {}
    tops = {p.kind: p.height for p in spec.props if p.height is not None}
    placed_at: dict[str, Vec] = {}
    for keyframe in spec.keyframes:
        angles = pose_angles(spec.posture, keyframe.angles)
        points = _place(body_points(angles), keyframe, anchors, tops)
        if not frames:
            anchors = _anchors(keyframe, points)
        frames.append(points)
        for prop in spec.props:
            resting = [
                p
                for c in keyframe.contacts
                if c.surface == prop.kind
                for p in expand_contacts([c.point])
            ]
            if prop.kind in SURFACE_HEIGHTS and resting and prop.kind not in placed_at:
                placed_at[prop.kind] = _surface_at(prop.kind, resting, points, spec.view)
                if prop.height is not None:
                    x, _top, z = placed_at[prop.kind]
                    placed_at[prop.kind] = (x, prop.height, z)
                if prop.kind != "wall":
                    tops.setdefault(prop.kind, placed_at[prop.kind][1])
    props = [
        PlacedProp(prop.kind, placed_at.get(prop.kind, (0.0, 0.0, 0.0)), prop.points)
        for prop in spec.props
    ]
    return Scene(spec, tuple(frames), tuple(props))


def _surface_at(kind: str, resting: Sequence[str], points: Mapping[str, Vec], view: str) -> Vec:
    """Return where a surface stands: (x, top, z); for a wall (x or z of its face, side, 0)."""
    xs = [points[p][0] for p in resting]
    zs = [points[p][2] for p in resting]
    if kind == "wall":
        # The wall stands beyond what leans on it, seen from the pelvis: ahead or behind in
        # the side view, to the figure's right or left in the front view.
        axis = 2 if view == "front" else 0
        values = [points[p][axis] for p in resting]
        outward = 1.0 if sum(values) / len(values) >= points["pelvis"][axis] else -1.0
        edge = max(values) if outward > 0 else min(values)
        reach = max(_radius(p) for p in resting)
        return (edge + outward * reach, outward, float(axis))
    top = min(points[p][1] - _radius(p) for p in resting)
    return (sum(xs) / len(xs), top, sum(zs) / len(zs))


def _angle_errors(spec: FigureSpec) -> Iterator[FigureError]:
    for keyframe in spec.keyframes:
        angles = pose_angles(spec.posture, keyframe.angles)
        for key, value in sorted(angles.items()):
            joint = key[2:] if key[:2] in ("l_", "r_") else key
            if joint not in JOINT_RANGES:
                continue
            low, high, label = JOINT_RANGES[joint]
            if not low <= value <= high:
                if key in keyframe.solve:
                    where = f"{keyframe.name}.solve"
                elif key in keyframe.angles or joint in keyframe.angles:
                    where = f"{keyframe.name}.{key if key in keyframe.angles else joint}"
                else:
                    where = "posture"
                yield FigureError(
                    where,
                    f"{key} {value:g} degrees leaves the human range {low:g} to {high:g} "
                    f"({label}) in the {keyframe.name} pose",
                )


def _resting_error(
    keyframe: Keyframe,
    contact: Contact,
    point: str,
    points: Mapping[str, Vec],
    surfaces: Mapping[str, PlacedProp],
) -> FigureError | None:
    """Return the problem with one body point that should rest on its surface, if any."""
    where, pose = f"{keyframe.name}.contacts", keyframe.name
    y = points[point][1] - _radius(point)
    if contact.surface == "floor":
        if y <= keyframe.lift + CONTACT_TOLERANCE:
            return None
        above = y - keyframe.lift
        return FigureError(
            where,
            f"{point} should rest on the floor but is {above:.0f} cm above it in the {pose} pose",
        )
    prop = surfaces.get(contact.surface)
    if prop is None:
        return FigureError(where, f"{point} rests on a {contact.surface}, which is not in props")
    if contact.surface == "wall":
        axis = int(prop.at[2])
        gap = abs(points[point][axis] + prop.at[1] * _radius(point) - prop.at[0])
        label = "from the wall"
    else:
        gap = abs(y - prop.at[1])
        label = f"off the {contact.surface}"
    if gap <= CONTACT_TOLERANCE:
        return None
    return FigureError(
        where,
        f"{point} should rest on the {contact.surface} but is {gap:.0f} cm {label} "
        f"in the {pose} pose",
    )


def _sinking_errors(keyframe: Keyframe, points: Mapping[str, Vec]) -> Iterator[FigureError]:
    for point, p in points.items():
        allowed = FOOT_SINK if point.endswith(("_toe", "_heel")) else FLOOR_SINK
        if p[1] - _radius(point) < -allowed and point not in ("waist", "chest", "neck"):
            depth = -(p[1] - _radius(point))
            yield FigureError(
                keyframe.name,
                f"{point} goes {depth:.0f} cm through the floor in the {keyframe.name} pose",
            )


def _surface_errors(scene: Scene) -> Iterator[FigureError]:
    """Yield each surface prop nothing rests on, or whose height no real one has."""
    for prop in scene.props:
        if prop.kind not in SURFACE_HEIGHTS or prop.kind == "wall":
            continue
        low, high = SURFACE_HEIGHTS[prop.kind]
        if not _rests_on(scene.spec, prop.kind):
            yield FigureError("props", f"nothing rests on the {prop.kind}: add a contact")
        elif not low - CONTACT_TOLERANCE <= prop.at[1] <= high + CONTACT_TOLERANCE:
            yield FigureError(
                "props",
                f"the {prop.kind} would be {prop.at[1]:.0f} cm high; "
                f"a real one is {low:g} to {high:g} cm",
            )


def _contact_errors(scene: Scene) -> Iterator[FigureError]:
    surfaces = {prop.kind: prop for prop in scene.props}
    for keyframe, points in zip(scene.spec.keyframes, scene.frames, strict=True):
        for contact in keyframe.contacts:
            for point in expand_contacts([contact.point]):
                error = _resting_error(keyframe, contact, point, points, surfaces)
                if error is not None:
                    yield error
        yield from _sinking_errors(keyframe, points)
    yield from _surface_errors(scene)


def _rests_on(spec: FigureSpec, kind: str) -> bool:
    return any(c.surface == kind for k in spec.keyframes for c in k.contacts)


def project(point: Vec, view: str) -> tuple[float, float, float]:
    """Return (x right, y up, depth towards the camera) of a world point in a view."""
    x, y, z = point
    if view == "front":
        return (-z, y, x)
    if view == "top":
        return (x, -z, y)
    return (x, y, z)


@dataclass(frozen=True)
class Frame:
    """The drawing window in view coordinates (cm): left, bottom, width, height."""

    left: float
    bottom: float
    width: float = FRAME_WIDTH
    height: float = FRAME_HEIGHT


def _extent(scene: Scene, points: Mapping[str, Vec]) -> tuple[float, float, float, float]:
    view = scene.spec.view
    xs, ys = [], []
    for name, p in points.items():
        x, y, _ = project(p, view)
        r = HEAD_RADIUS if name == "head" else 6.0
        xs += [x - r, x + r]
        ys += [y - r, y + r]
    return min(xs), max(xs), min(ys), max(ys)


def fit_frame(scene: Scene) -> Frame:
    """Return the frame: centred on all keyframes across, the floor near the bottom."""
    extents = [_extent(scene, points) for points in scene.frames]
    left = min(e[0] for e in extents)
    right = max(e[1] for e in extents)
    low = min(e[2] for e in extents)
    high = max(e[3] for e in extents)
    centre_x = (left + right) / 2
    if scene.spec.view == "top":
        bottom = (low + high) / 2 - FRAME_HEIGHT / 2
    else:
        bottom = -FLOOR_MARGIN
    return Frame(centre_x - FRAME_WIDTH / 2, bottom)


def display_frame(scene: Scene, margin: float = 10.0) -> Frame:
    """Return a frame cropped to what is drawn in any keyframe, for the pages.

    The check uses the fixed frame (fit_frame); a page shows the figure as large as it fits.
    """
    extents = [_extent(scene, points) for points in scene.frames]
    left = min(e[0] for e in extents)
    right = max(e[1] for e in extents)
    low = min(e[2] for e in extents)
    high = max(e[3] for e in extents)
    for shape in _moving_props(scene):  # a band may run to an anchor beyond the body
        for points in scene.frames:
            coords = shape_coordinates(scene, shape, points)
            left, right = min(left, *coords[0::2]), max(right, *coords[0::2])
            low, high = min(low, *coords[1::2]), max(high, *coords[1::2])
    for shape in _fixed_props(scene):
        if shape.kind == "rect":
            x, y, w, h = shape.fixed
            left, right = min(left, x), max(right, x + w)
            high = max(high, min(y + h, high + 20))
    if scene.spec.view != "top":
        low = -FLOOR_MARGIN / 2 + margin
    width = max(right - left + 2 * margin, 80.0)
    height = max(high - low + 2 * margin, 60.0)
    # Whole millimetres, so the SVG's viewBox and the floor line's ends agree exactly.
    return Frame(
        round((left + right) / 2 - width / 2, 1),
        round(low - margin, 1),
        round(width, 1),
        round(height, 1),
    )


def _frame_errors(scene: Scene, frame: Frame) -> Iterator[FigureError]:
    for keyframe, points in zip(scene.spec.keyframes, scene.frames, strict=True):
        left, right, low, high = _extent(scene, points)
        sides = {
            "left": frame.left - left,
            "right": right - (frame.left + frame.width),
            "bottom": frame.bottom - low,
            "top": high - (frame.bottom + frame.height),
        }
        for edge, over in sides.items():
            if over > 0.5:
                yield FigureError(
                    keyframe.name,
                    f"the figure leaves the frame at the {edge} by {over:.0f} cm "
                    f"in the {keyframe.name} pose",
                )


def _spec_errors(spec: FigureSpec) -> Iterator[FigureError]:
    names = {*SINGLE_POINTS, *POINT_GROUPS}
    if not any(k.name == "start" for k in spec.keyframes) or not any(
        k.name == "end" for k in spec.keyframes
    ):
        yield FigureError("", "needs a start and an end pose")
    listed = {prop.kind for prop in spec.props}
    for keyframe in spec.keyframes:
        for contact in keyframe.contacts:
            if contact.point not in names:
                yield FigureError(
                    f"{keyframe.name}.contacts", f"{contact.point!r} is not a body point"
                )
            if contact.surface != "floor" and contact.surface not in listed:
                yield FigureError(
                    f"{keyframe.name}.contacts",
                    f"{contact.point} rests on a {contact.surface}, which is not in props",
                )
    allowed = set(angle_keys())
    for keyframe in spec.keyframes:
        for key in keyframe.solve:
            if key not in allowed:
                yield FigureError(f"{keyframe.name}.solve", f"{key!r} is not an angle")
    drawn = set(body_points({})) | set(POINT_GROUPS)
    for index, prop in enumerate(spec.props):
        if prop.kind not in PROPS:
            yield FigureError(f"props[{index}]", f"{prop.kind!r} is not one of: {', '.join(PROPS)}")
        for point in prop.points:
            if point not in drawn and point not in BAND_ENDS:
                yield FigureError(f"props[{index}]", f"{point!r} is not a body point")


def figure_errors(raw: Mapping[str, Any]) -> list[FigureError]:
    """Return every problem of a figure block whose shape the schema has accepted."""
    return list(_figure_errors(json.dumps(raw, sort_keys=True)))


@lru_cache(maxsize=256)
def _figure_errors(text: str) -> tuple[FigureError, ...]:
    return tuple(_check(json.loads(text)))


def _check(raw: Mapping[str, Any]) -> list[FigureError]:
    spec = parse_figure(raw)
    errors = list(_spec_errors(spec))
    if errors:
        return errors
    spec = solve_figure(spec)
    errors += _angle_errors(spec)
    scene = build_scene(spec)
    errors += _contact_errors(scene)
    errors += _frame_errors(scene, fit_frame(scene))
    return errors


# --- drawing ----------------------------------------------------------------------------

# Each drawn segment: (class suffix, from point, to point, thickness key).
_LIMBS = {
    "leg": (("thigh", "hip", "knee"), ("shank", "knee", "ankle"), ("foot", "heel", "toe")),
    "arm": (
        ("upper_arm", "shoulder", "elbow"),
        ("forearm", "elbow", "wrist"),
        ("hand", "wrist", "hand"),
    ),
}


@dataclass(frozen=True)
class Shape:
    """One drawn element: a thick line, the torso outline, the head or a prop part."""

    kind: str  # line | poly | circle | rect
    css: str
    points: tuple[str, ...]  # body points it follows (animated); empty for fixed shapes
    width: float = 0.0
    fixed: tuple[float, ...] = ()  # rect (x, y, w, h) or circle (cx, cy, r) in view cm


def _near_side(scene: Scene) -> str:
    """Return the side ("l" or "r") nearer the camera in the start pose (the right on a tie)."""
    start = scene.frames[0]
    view = scene.spec.view
    depth = {
        side: project(start[f"{side}_hip"], view)[2] + project(start[f"{side}_shoulder"], view)[2]
        for side in SIDES
    }
    if abs(depth["l"] - depth["r"]) <= 2.0:
        return "both" if view != "side" else "r"
    return "l" if depth["l"] > depth["r"] else "r"


def figure_shapes(scene: Scene) -> list[Shape]:
    """Return the drawn elements back to front: floor props, far limbs, torso, near limbs."""
    near = _near_side(scene)
    order = (
        [("l", "near"), ("r", "near")]
        if near == "both"
        else [("l" if near == "r" else "r", "far"), (near, "near")]
    )
    # Seen from the side the torso outline is a line and its stroke gives the chest depth;
    # seen from the front (or a side-lying figure from the side) the outline has the width.
    first = scene.frames[0]
    shoulders = [project(first[f"{side}_shoulder"], scene.spec.view) for side in SIDES]
    across = math.dist(shoulders[0][:2], shoulders[1][:2])
    torso = TORSO_FRONT if across > 2 * HALF_SHOULDERS * 0.5 else THICKNESS["torso"]
    shapes: list[Shape] = []
    shapes += _fixed_props(scene)
    for index, (side, css) in enumerate(order):
        if index == 1:
            shapes.append(
                Shape(
                    "poly",
                    "fig-torso",
                    ("l_hip", "l_waist", "l_shoulder", "r_shoulder", "r_waist", "r_hip"),
                    torso,
                )
            )
            shapes.append(Shape("line", "fig-neck", ("neck", "head"), THICKNESS["neck"]))
            shapes.append(Shape("circle", "fig-head", ("head",), HEAD_RADIUS))
        for limb in ("leg", "arm"):
            for segment, start, end in _LIMBS[limb]:
                shapes.append(
                    Shape(
                        "line",
                        f"fig-{css}",
                        (f"{side}_{start}", f"{side}_{end}"),
                        THICKNESS[segment],
                    )
                )
    shapes += _moving_props(scene)
    return shapes


def _fixed_props(scene: Scene) -> list[Shape]:
    view = scene.spec.view
    shapes = []
    for prop in scene.props:
        x, y, z = prop.at
        if prop.kind == "mat":
            left, right = _body_span(scene)
            if view == "top":
                span = [project(p, view)[1] for points in scene.frames for p in points.values()]
                shapes.append(
                    Shape(
                        "rect",
                        "fig-mat",
                        (),
                        fixed=(
                            left - 10,
                            min(span) - 12,
                            right - left + 20,
                            max(span) - min(span) + 24,
                        ),
                    )
                )
            else:
                shapes.append(
                    Shape("rect", "fig-mat", (), fixed=(left - 10, -2.0, right - left + 20, 2.0))
                )
        elif prop.kind == "cones":
            left, right = _body_span(scene)
            for cx in (left - 25, right + 25):
                shapes.append(
                    Shape("poly", "fig-cone", (), 2.0, fixed=(cx - 8, 0, cx, 22, cx + 8, 0))
                )
        elif prop.kind in ("step", "chair", "bench") and view != "top":
            vx = project(prop.at, view)[0]
            width = {"step": 34.0, "chair": 42.0, "bench": 110.0}[prop.kind]
            if prop.kind == "chair":
                shapes.append(Shape("rect", "fig-prop", (), fixed=(vx - 6, y - 4, 40, 4)))
                shapes.append(Shape("rect", "fig-prop", (), fixed=(vx + 28, 0, 4, y)))
                shapes.append(Shape("rect", "fig-prop", (), fixed=(vx - 4, 0, 4, y)))
                shapes.append(Shape("rect", "fig-prop", (), fixed=(vx - 8, y, 4, 42)))
            else:
                shapes.append(Shape("rect", "fig-prop", (), fixed=(vx - width / 2, 0, width, y)))
        elif prop.kind == "wall" and view != "top" and prop.at != (0.0, 0.0, 0.0):
            face = x if view == "side" else -x  # the front view's picture x is -z
            outward = y if view == "side" else -y
            wx = face if outward > 0 else face - 8
            shapes.append(Shape("rect", "fig-wall", (), fixed=(wx, 0, 8, 200)))
        elif prop.kind == "foam-roller":
            vx = project(prop.at, view)[0]
            shapes.append(Shape("circle", "fig-prop", (), fixed=(vx, y / 2, y / 2)))
    return shapes


def _body_span(scene: Scene) -> tuple[float, float]:
    xs = [project(p, scene.spec.view)[0] for points in scene.frames for p in points.values()]
    return min(xs), max(xs)


def _moving_props(scene: Scene) -> list[Shape]:
    shapes = []
    for prop in scene.props:
        points = tuple(p for name in prop.points for p in POINT_GROUPS.get(name, (name,)))
        if prop.kind == "band" and len(points) >= 2:
            shapes.append(Shape("line", "fig-band", points[:2], 2.5))
        elif prop.kind == "ball" and points:
            shapes.append(Shape("circle", "fig-ball", points[:2], 11.0))
        elif prop.kind in HELD_PROPS and points:
            shapes.append(Shape("circle", f"fig-{prop.kind}", points[:1], 7.0))
        elif prop.kind == "sliders" and points:
            shapes.append(Shape("circle", "fig-prop", points[:1], 5.0))
    return shapes


def _view_xy(scene: Scene, frame_points: Mapping[str, Vec], name: str) -> tuple[float, float]:
    if name in BAND_ENDS:
        start = scene.frames[0]
        hand = start["r_hand"]
        ahead = 1.0 if name.startswith("ahead") else -1.0
        height = 12.0 if name.endswith("-low") else hand[1]
        x, y, _ = project(
            (start["pelvis"][0] + ahead * 80.0, height, start["pelvis"][2]), scene.spec.view
        )
        return x, y
    x, y, _ = project(frame_points[name], scene.spec.view)
    return x, y


def shape_coordinates(scene: Scene, shape: Shape, points: Mapping[str, Vec]) -> list[float]:
    """Return a moving shape's coordinates (view cm, y up) for one set of joint positions."""
    coords: list[float] = []
    for name in shape.points:
        coords += _view_xy(scene, points, name)
    if shape.css == "fig-ball" and len(coords) == 4:
        return [(coords[0] + coords[2]) / 2, (coords[1] + coords[3]) / 2]
    if shape.css in ("fig-dumbbell", "fig-kettlebell", "fig-prop"):
        return [coords[0], coords[1] - 6]
    return coords


def interpolate_frames(scene: Scene, steps: int = 6) -> list[dict[str, Vec]]:
    """Return poses between the keyframes, interpolated by joint angle (limbs keep length).

    Each in-between pose rests on the nearer keyframe's contacts; its height is blended
    between the two keyframes' placements, so nothing jumps.
    """
    spec = scene.spec
    poses: list[dict[str, Vec]] = [scene.frames[0]]
    anchors = _anchors(spec.keyframes[0], scene.frames[0])
    tops = {p.kind: p.at[1] for p in scene.props if p.kind in SURFACE_HEIGHTS and p.kind != "wall"}
    for index in range(1, len(spec.keyframes)):
        before, after = spec.keyframes[index - 1], spec.keyframes[index]
        a = pose_angles(spec.posture, before.angles)
        b = pose_angles(spec.posture, after.angles)
        for step in range(1, steps):
            t = step / steps
            angles = {k: a.get(k, 0.0) * (1 - t) + b.get(k, 0.0) * t for k in set(a) | set(b)}
            raw = body_points(angles)
            one = _place(raw, before, anchors, tops)
            two = _place(raw, after, anchors, tops)
            poses.append(
                {
                    name: tuple(
                        u * (1 - t) + v * t for u, v in zip(one[name], two[name], strict=True)
                    )  # type: ignore[misc]
                    for name in raw
                }
            )
        poses.append(scene.frames[index])
    return poses


def _fmt(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _element(shape: Shape, coords: Sequence[float]) -> str:
    css = escape(shape.css)
    if shape.kind == "line":
        x1, y1, x2, y2 = coords[:4]
        return (
            f'<line class="{css}" x1="{_fmt(x1)}" y1="{_fmt(-y1)}" x2="{_fmt(x2)}" '
            f'y2="{_fmt(-y2)}" stroke-width="{_fmt(shape.width)}"/>'
        )
    if shape.kind == "poly":
        pairs = " ".join(
            f"{_fmt(coords[i])},{_fmt(-coords[i + 1])}" for i in range(0, len(coords), 2)
        )
        return f'<polygon class="{css}" points="{pairs}" stroke-width="{_fmt(shape.width)}"/>'
    if shape.kind == "circle":
        r = shape.fixed[2] if shape.fixed else shape.width
        return (
            f'<circle class="{css}" cx="{_fmt(coords[0])}" cy="{_fmt(-coords[1])}" r="{_fmt(r)}"/>'
        )
    x, y, w, h = shape.fixed
    return (
        f'<rect class="{css}" x="{_fmt(x)}" y="{_fmt(-(y + h))}" width="{_fmt(w)}" '
        f'height="{_fmt(h)}" rx="1.5"/>'
    )


def _shape_coords(scene: Scene, shape: Shape, points: Mapping[str, Vec]) -> list[float]:
    if shape.points:
        return shape_coordinates(scene, shape, points)
    if shape.kind == "poly":
        return list(shape.fixed)
    if shape.kind == "circle":
        return list(shape.fixed[:2])
    return []


def render_svg(
    scene: Scene,
    points: Mapping[str, Vec],
    label: str,
    frame: Frame | None = None,
    css_class: str = "figure",
) -> str:
    """Return one pose as an SVG element; label is its accessible name (escaped here)."""
    frame = frame or fit_frame(scene)
    top = -(frame.bottom + frame.height)
    parts = [
        f'<svg class="{escape(css_class)}" viewBox="{_fmt(frame.left)} {_fmt(top)} '
        f'{_fmt(frame.width)} {_fmt(frame.height)}" role="img" aria-label="{escape(label)}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    if scene.spec.view != "top":
        parts.append(
            f'<line class="fig-floor" x1="{_fmt(frame.left)}" y1="0" '
            f'x2="{_fmt(frame.left + frame.width)}" y2="0"/>'
        )
    shapes = figure_shapes(scene)
    for shape in (s for s in shapes if not s.points):
        parts.append(_element(shape, _shape_coords(scene, shape, points)))
    # The moving shapes, in the order animation_frames lists them.
    parts.append('<g class="fig-move">')
    for shape in (s for s in shapes if s.points):
        parts.append(_element(shape, _shape_coords(scene, shape, points)))
    parts.append("</g></svg>")
    return "".join(parts)


def animation_frames(scene: Scene, steps: int = 6) -> list[list[list[float]]]:
    """Return, for each interpolated pose, each moving shape's coordinates (for figure.js)."""
    moving = [shape for shape in figure_shapes(scene) if shape.points]
    frames = []
    for points in interpolate_frames(scene, steps):
        frames.append(
            [
                [
                    round(-v if i % 2 else v, 1)
                    for i, v in enumerate(shape_coordinates(scene, shape, points))
                ]
                for shape in moving
            ]
        )
    return frames


def scene_for(raw: Mapping[str, Any]) -> Scene:
    """Return a valid figure block posed: parsed, its `solve` angles found, placed."""
    return _scene(json.dumps(raw, sort_keys=True))


@lru_cache(maxsize=256)
def _scene(text: str) -> Scene:
    return build_scene(solve_figure(parse_figure(json.loads(text))))


# --- for the pages ----------------------------------------------------------------------

# The follow-along tempo (ms) of one repetition: move out, hold at the end, move back, pause.
# A repetition is 3 s; a hold previews 3 s of its time; timed work (running) strides.
TEMPO_REPS = (1500, 300, 1500, 400)
TEMPO_HOLD = (1500, 3000, 1500, 600)
TEMPO_TIMED = (450, 0, 450, 0)


@dataclass(frozen=True)
class FigureMarkup:
    """What a page needs to show one exercise's figure."""

    start_svg: str
    end_svg: str
    animated_svg: str
    frames_json: str  # the moving shapes' coordinates per in-between pose, for figure.js
    tempo: tuple[int, int, int, int]
    side: str  # the working side drawn: left | right | both
    mirrored: bool


def _labels(steps: Sequence[str]) -> tuple[str, str, str]:
    first = steps[0] if steps else ""
    rest = " ".join(steps[1:3]) if len(steps) > 1 else first
    return (
        f"Start position: {first}",
        f"End position: {rest}",
        "Demonstration: " + " ".join(steps),
    )


def figure_markup(
    raw: Mapping[str, Any], steps: Sequence[str], dose_kind: str, side: str = "both"
) -> FigureMarkup:
    """Return the start, end and animated SVG of a figure; side is the prescribed side.

    dose_kind is reps, hold or timed; a left-only prescription of a right-side figure (or
    the reverse) is drawn mirrored.
    """
    scene = scene_for(raw)
    frame = display_frame(scene)
    start_label, end_label, moving_label = _labels(steps)
    drawn = scene.spec.side
    mirrored = (drawn, side) in (("right", "left"), ("left", "right"))
    css = "figure fig-mirrored" if mirrored else "figure"
    animated = render_svg(scene, scene.frames[0], moving_label, frame, css + " figure-live")
    tempo = {"hold": TEMPO_HOLD, "timed": TEMPO_TIMED}.get(dose_kind, TEMPO_REPS)
    return FigureMarkup(
        start_svg=render_svg(scene, scene.frames[0], start_label, frame, css),
        end_svg=render_svg(scene, scene.frames[-1], end_label, frame, css),
        animated_svg=animated,
        frames_json=json.dumps(animation_frames(scene), separators=(",", ":")),
        tempo=tempo,
        side=side if mirrored else drawn,
        mirrored=mirrored,
    )


def contact_sheet(exercises: Sequence[Mapping[str, Any]], css: str) -> str:
    """Return an HTML page with every exercise's start, middle and end pose, for review."""
    cards = []
    for exercise in exercises:
        raw = exercise.get("figure")
        name = escape(str(exercise.get("name", "")))
        slug = escape(str(exercise.get("slug", "")))
        if not raw:
            cards.append(f'<section class="sheet-card"><h2>{name}</h2><p>No figure.</p></section>')
            continue
        scene = scene_for(raw)
        frame = fit_frame(scene)
        label = str(exercise.get("name", ""))
        pictures = "".join(
            f"<figure>{render_svg(scene, points, label + ': ' + key.name, frame)}"
            f"<figcaption>{key.name}</figcaption></figure>"
            for key, points in zip(scene.spec.keyframes, scene.frames, strict=True)
        )
        facts = escape(f"{scene.spec.posture}, {scene.spec.view} view, works {scene.spec.side}")
        cards.append(
            f'<section class="sheet-card" id="{slug}"><h2>{name}</h2><p>{slug}: {facts}</p>'
            f'<div class="sheet-frames">{pictures}</div></section>'
        )
    style = (
        "body{font-family:sans-serif;margin:8px}main{display:grid;"
        "grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:6px}"
        ".sheet-card{border:1px solid #ccc;padding:4px}.sheet-card h2{font-size:14px;margin:0}"
        ".sheet-card p{font-size:11px;margin:0;color:#555}.sheet-frames{display:flex}"
        ".sheet-frames figure{margin:0;flex:1}figcaption{font-size:11px;text-align:center}"
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Stride exercise figures</title><style>{css}{style}</style></head>"
        f"<body><h1>Exercise figures ({len(exercises)})</h1><main>{''.join(cards)}</main>"
        "</body></html>"
    )
