"""Check the exercise library and condition templates: their schemas, chains and rules.

Pure: the YAML files are read by app.services.library_files, which hands their parsed
contents here.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from jsonschema import Draft202012Validator, ValidationError

from app.domain import dose as dose_rules
from app.domain import figures

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

# The closed lists below are the one source of truth; the JSON schema files are
# generated from them (services.library_files.write_schema_files) and a test checks they agree.
CATEGORIES: dict[str, str] = {
    "strengthening": "Strengthening",
    "stabilisation": "Stabilisation",
    "mobility": "Mobility",
}
BODY_REGIONS: dict[str, str] = {
    "hip": "Hip",
    "core": "Core",
    "knee": "Knee",
    "ankle": "Ankle",
    "lumbar": "Lower back",
    "full-body": "Full body",
}
EQUIPMENT: dict[str, str] = {
    "none": "No equipment",
    "band": "Resistance band",
    "step": "Step",
    "ball": "Ball",
    "dumbbell": "Dumbbell",
    "kettlebell": "Kettlebell",
    "chair": "Chair",
    "wall": "Wall",
    "foam-roller": "Foam roller",
    "mat": "Mat",
    "bench": "Bench",
    "cable": "Cable machine",
    "sliders": "Sliders",
    "cones": "Cones",
}
POSITIONS: dict[str, str] = {
    "standing": "Standing",
    "side-lying": "Side-lying",
    "supine": "Lying on your back",
    "prone": "Lying on your front",
    "kneeling": "Kneeling",
    "half-kneeling": "Half-kneeling",
    "four-point": "On hands and knees",
    "sitting": "Sitting",
    "running": "Running",
}
CONDITIONS: dict[str, str] = {
    "gluteal-tendinopathy": "Gluteal tendinopathy",
    "fai": "Femoroacetabular impingement (FAI)",
    "adductor-groin-pain": "Adductor-related groin pain",
    "hip-flexor-strain": "Hip flexor strain",
    "hip-oa": "Hip osteoarthritis",
    "lumbar-pain": "Low back pain",
    "knee-pain": "Knee pain",
    "pregnancy": "Pregnancy",
}
DAYS_OF_WEEK: dict[str, str] = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
LEVEL_RANGE = (1, 5)
STEPS_RANGE = (3, 6)
TYPICAL_WEEKS_RANGE = (1, 26)
PRESCRIPTIONS_PER_PHASE_RANGE = (3, 7)

# How strong a caution is, per condition (clinical.md s. 8). "avoid": never proposed for a
# patient with that condition (by templates, progressions or swaps); compressive positions in
# gluteal tendinopathy are (s. 5). "take-care": proposed, with the caution shown.
AVOID = "avoid"
TAKE_CARE = "take-care"
CAUTION_STRENGTHS: dict[str, str] = {
    AVOID: "Avoid with this condition (never proposed)",
    TAKE_CARE: "Take care with this condition (proposed, caution shown)",
}


@dataclass(frozen=True)
class LibraryError:
    """One problem in one library file, naming the field (dotted path) it is in."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        if not self.field:
            return f"{self.file}: {self.message}"
        return f"{self.file}: {self.field}: {self.message}"


# File name -> its parsed YAML content, or the LibraryError that kept it from being read;
# in the order the files are checked (by name).
ParsedFiles = Mapping[str, object]


@dataclass(frozen=True)
class LibraryReport:
    """Every valid exercise and template of a library and every problem found in it."""

    exercises: list[dict[str, Any]]
    templates: list[dict[str, Any]]
    errors: list[LibraryError]
    counts_by_category: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return True when the library has no errors."""
        return not self.errors


# --- schemas ----------------------------------------------------------------------------


def _int_range(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


def _text(max_length: int = 500) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


def _text_list(min_items: int = 1, max_items: int = 20) -> dict[str, Any]:
    return {"type": "array", "items": _text(), "minItems": min_items, "maxItems": max_items}


def _enum_list(values: Iterable[str], min_items: int = 1) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"enum": list(values)},
        "minItems": min_items,
        "uniqueItems": True,
    }


def _slug() -> dict[str, Any]:
    return {"type": "string", "pattern": SLUG_PATTERN, "maxLength": 80}


def _dose_properties() -> dict[str, Any]:
    properties: dict[str, Any] = {
        name: _int_range(*bounds)
        for name, (bounds, _label, _unit) in dose_rules.DOSE_RANGES.items()
    }
    properties["side"] = {"enum": list(dose_rules.SIDES)}
    return properties


def _flag(description: str) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


def _caution_strength() -> dict[str, Any]:
    return {
        "type": "object",
        "propertyNames": {"enum": list(CONDITIONS)},
        "additionalProperties": {"enum": list(CAUTION_STRENGTHS)},
        "description": (
            "For each condition the cautions name: avoid (never proposed for it) or "
            "take-care (proposed, with the caution shown)."
        ),
    }


def figure_schema() -> dict[str, Any]:
    """Return the JSON schema of an exercise's `figure:` block (app/domain/figures.py)."""
    contact = {"type": "string", "pattern": r"^[a-z_]+(:[a-z-]+)?$"}
    keyframe = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **{key: {"type": "number"} for key in figures.angle_keys()},
            "contacts": {"type": "array", "items": contact},
            "lift": {"type": "number", "minimum": 0, "maximum": 40},
            "solve": {
                "anyOf": [
                    {"enum": figures.angle_keys()},
                    {"type": "array", "items": {"enum": figures.angle_keys()}},
                ]
            },
        },
    }
    prop = {
        "anyOf": [
            {"enum": list(figures.PROPS)},
            {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "propertyNames": {"enum": list(figures.PROPS)},
                "additionalProperties": {
                    "anyOf": [
                        {"type": "number"},
                        {"type": "string"},
                        {"type": "array", "items": {"type": "string"}, "maxItems": 2},
                    ]
                },
            },
        ]
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["view", "posture", "start", "end"],
        "description": "The demonstration figure: see exercise_library/README.md, Figures.",
        "properties": {
            "view": {"enum": list(figures.VIEWS)},
            "posture": {"enum": list(figures.POSTURES)},
            "side": {"enum": list(figures.WORKING_SIDES)},
            "props": {"type": "array", "items": prop},
            "contacts": {"type": "array", "items": contact},
            **{name: keyframe for name in figures.KEYFRAMES},
        },
    }


def exercise_schema() -> dict[str, Any]:
    """Return the JSON schema (draft 2020-12) of one exercise file."""
    dose_properties = _dose_properties()
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "Stride exercise",
        "description": "One exercise of the Stride library; the file name is <slug>.yaml.",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "slug",
            "name",
            "category",
            "body_regions",
            "target_muscles",
            "equipment",
            "position",
            "level",
            "dose",
            "steps",
            "cues",
            "faults",
            "cautions",
            "regression",
            "progression",
            "evidence",
        ],
        "properties": {
            "slug": _slug(),
            "name": _text(120),
            "category": {"enum": list(CATEGORIES)},
            "body_regions": _enum_list(BODY_REGIONS),
            "target_muscles": _text_list(),
            "equipment": _enum_list(EQUIPMENT),
            "position": {"enum": list(POSITIONS)},
            "level": _int_range(*LEVEL_RANGE),
            "walk_run": _flag(
                "true for a return-to-running line: a walk-run level or the continuous "
                "run that ends them (clinical.md s. 6). Leave out otherwise."
            ),
            "readiness_test": _flag(
                "true for a return-to-running readiness test (single-leg squat, side "
                "plank, step-ups, hops; clinical.md s. 6): its pain, below 3/10, is an "
                "entry criterion for the first walk-run level. Leave out otherwise."
            ),
            "dose": {
                "type": "object",
                "additionalProperties": False,
                "required": list(dose_rules.REQUIRED_FIELDS),
                "properties": dose_properties,
                "description": "Exactly one of reps, hold_seconds or duration_seconds.",
            },
            "steps": _text_list(*STEPS_RANGE),
            "cues": _text_list(),
            "faults": _text_list(),
            "cautions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["text", "conditions"],
                    "properties": {
                        "text": _text(),
                        "conditions": _enum_list(CONDITIONS, min_items=0),
                    },
                },
            },
            "regression": {"anyOf": [_slug(), {"type": "null"}]},
            "progression": {"anyOf": [_slug(), {"type": "null"}]},
            "evidence": _text(),
            "caution_strength": _caution_strength(),
            "figure": figure_schema(),
        },
    }


def template_schema() -> dict[str, Any]:
    """Return the JSON schema (draft 2020-12) of one condition template file."""
    prescription_properties = _dose_properties()
    prescription_properties.update(
        {
            "exercise": _slug(),
            "days_of_week": _enum_list(DAYS_OF_WEEK),
            "load": {"type": ["string", "null"], "maxLength": 60},
            "tempo": {"type": ["string", "null"], "maxLength": 20},
            "note": {"type": ["string", "null"], "maxLength": 500},
        }
    )
    prescription = {
        "type": "object",
        "additionalProperties": False,
        "required": ["exercise", "sets", "rest_seconds", "side", "times_per_day"],
        "properties": prescription_properties,
        "description": (
            "Exactly one of reps, hold_seconds or duration_seconds, "
            "and exactly one of days_of_week or times_per_week."
        ),
    }
    phase = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "goal", "typical_weeks", "criteria", "prescriptions"],
        "properties": {
            "name": _text(120),
            "goal": _text(),
            "typical_weeks": _int_range(*TYPICAL_WEEKS_RANGE),
            "criteria": _text(),
            "prescriptions": {
                "type": "array",
                "items": prescription,
                "minItems": PRESCRIPTIONS_PER_PHASE_RANGE[0],
                "maxItems": PRESCRIPTIONS_PER_PHASE_RANGE[1],
            },
        },
    }
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "Stride condition template",
        "description": "Phases of prescriptions a physio starts a programme from.",
        "type": "object",
        "additionalProperties": False,
        "required": ["slug", "name", "condition", "description", "phases"],
        "properties": {
            "slug": _slug(),
            "name": _text(120),
            # null for general templates (return to running, maintenance) tied to no condition.
            "condition": {"enum": [*CONDITIONS, None]},
            "description": _text(1000),
            "phases": {"type": "array", "items": phase, "minItems": 1},
        },
    }


SCHEMA_FILES = {"exercise.schema.json": exercise_schema, "template.schema.json": template_schema}


def schema_file_text(build: Callable[[], dict[str, Any]]) -> str:
    """Return a schema as the exact text kept in exercise_library/schema."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


_EXERCISE_VALIDATOR = Draft202012Validator(exercise_schema())
_TEMPLATE_VALIDATOR = Draft202012Validator(template_schema())


# --- helpers ----------------------------------------------------------------------------


def _path_text(parts: Iterable[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(parent: str, child: str) -> str:
    return f"{parent}.{child}" if parent else child


def _schema_error(file: str, error: ValidationError, prefix: str = "") -> LibraryError:
    """Turn a jsonschema error into a LibraryError with a plain message."""
    where = _join(prefix, _path_text(error.absolute_path)) if error.absolute_path else prefix
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        match = re.match(r"'(.+)' is a required property", error.message)
        missing = match.group(1) if match else "?"
        return LibraryError(file, _join(where, missing), "is missing")
    if kind == "additionalProperties":
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        given = value if isinstance(value, Mapping) else {}
        extra = sorted(set(given) - set(schema.get("properties", {})))
        return LibraryError(file, where, f"unknown field(s): {', '.join(map(str, extra))}")
    if kind == "enum":
        options = expected if isinstance(expected, list) else []
        allowed = ", ".join(v if isinstance(v, str) else json.dumps(v) for v in options)
        return LibraryError(file, where, f"{value!r} is not one of: {allowed}")
    if kind == "minimum":
        return LibraryError(file, where, f"{value!r} is below the minimum of {expected}")
    if kind == "maximum":
        return LibraryError(file, where, f"{value!r} is above the maximum of {expected}")
    if kind == "minItems":
        return LibraryError(file, where, f"needs at least {expected} item(s)")
    if kind == "maxItems":
        return LibraryError(file, where, f"allows at most {expected} item(s)")
    if kind == "pattern" or (kind == "anyOf" and isinstance(value, str)):
        return LibraryError(file, where, f"{value!r} must be lowercase letters, digits and hyphens")
    return LibraryError(file, where, error.message)


def _mappings(files: ParsedFiles) -> Iterator[tuple[str, dict[str, Any] | LibraryError]]:
    """Yield each file with its fields, or with the error that stops it being checked."""
    for file, data in files.items():
        if isinstance(data, LibraryError):
            yield file, data
        elif not isinstance(data, dict):
            yield file, LibraryError(file, "", "must be a YAML mapping of fields")
        else:
            yield file, data


def _dose_errors(
    file: str, values: Mapping[str, Any], prefix: str, already: set[str]
) -> Iterator[LibraryError]:
    """Yield dose rule errors not already reported by the schema for the same field."""
    for name, message in dose_rules.dose_errors(values).items():
        where = _join(prefix, name)
        if where not in already:
            yield LibraryError(file, where, message)


def exercise_content_hash(data: Mapping[str, Any]) -> str:
    """Return a stable sha256 of the content, independent of key order."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- exercises --------------------------------------------------------------------------


def validate_exercise_dict(data: Mapping[str, Any], file: str) -> list[LibraryError]:
    """Return the problems in one exercise that can be seen without the other exercises."""
    errors = [_schema_error(file, e) for e in _EXERCISE_VALIDATOR.iter_errors(data)]
    seen = {error.field for error in errors}
    if isinstance(data.get("dose"), dict):
        errors.extend(_dose_errors(file, data["dose"], "dose", seen))
    slug = data.get("slug")
    stem = file.removesuffix(".yaml")
    if isinstance(slug, str) and slug != stem:
        errors.append(LibraryError(file, "slug", f"{slug!r} must equal the file name {stem!r}"))
    for link in ("regression", "progression"):
        if slug is not None and data.get(link) == slug:
            errors.append(LibraryError(file, link, "links to the exercise itself"))
    errors.extend(_strength_errors(data, file, seen))
    figure = data.get("figure")
    if isinstance(figure, dict) and not any(e.field.startswith("figure") for e in errors):
        for problem in figures.figure_errors(figure):
            where = _join("figure", problem.field)
            errors.append(LibraryError(file, where, problem.message))
    return errors


def _strength_errors(
    data: Mapping[str, Any], file: str, already: set[str]
) -> Iterator[LibraryError]:
    """Yield a problem for each cautioned condition without a strength, and each extra one."""
    strengths = data.get("caution_strength") or {}
    if "caution_strength" in already or not isinstance(strengths, Mapping):
        return
    cautions = data.get("cautions")
    named = caution_conditions(data) if isinstance(cautions, list) else set()
    for condition in sorted(named - set(strengths)):
        message = f"says nothing for {condition!r}: give avoid or take-care"
        yield LibraryError(file, "caution_strength", message)
    for condition in sorted(set(strengths) - named):
        message = f"{condition!r} has no caution; remove it or add the caution"
        yield LibraryError(file, f"caution_strength.{condition}", message)


def _claim_slug(
    data: Mapping[str, Any], file: str, defined_in: dict[str, str], errors: list[LibraryError]
) -> str | None:
    """Record which file defines the data's slug; a slug already taken is an error of file.

    Return the slug when this file is the first to define it.
    """
    slug = data.get("slug")
    if not isinstance(slug, str):
        return None
    if slug in defined_in:
        errors.append(LibraryError(file, "slug", f"{slug!r} is already used by {defined_in[slug]}"))
        return None
    defined_in[slug] = file
    return slug


def check_exercises(files: ParsedFiles) -> tuple[list[dict[str, Any]], list[LibraryError]]:
    """Check every exercise file; return the valid exercises and all problems."""
    errors: list[LibraryError] = []
    defined_in: dict[str, str] = {}  # slug -> file that defined it first
    linkable: dict[str, dict[str, Any]] = {}  # slug -> data, for the chain checks
    valid: list[dict[str, Any]] = []
    for file, data in _mappings(files):
        if isinstance(data, LibraryError):
            errors.append(data)
            continue
        file_errors = validate_exercise_dict(data, file)
        slug = _claim_slug(data, file, defined_in, file_errors)
        if slug is not None:
            linkable[slug] = data
        errors.extend(file_errors)
        if not file_errors:
            valid.append(data)
    errors.extend(chain_errors(linkable, defined_in))
    return valid, errors


def chain_errors(
    exercises: Mapping[str, Mapping[str, Any]], files: Mapping[str, str] | None = None
) -> list[LibraryError]:
    """Check regression/progression links: they exist, are mutual, never loop, never go down."""
    files = files or {slug: f"{slug}.yaml" for slug in exercises}
    errors: list[LibraryError] = []
    back = {"progression": "regression", "regression": "progression"}
    for slug, data in exercises.items():
        for link, reverse in back.items():
            target = data.get(link)
            if not isinstance(target, str) or target == slug:
                continue  # null, a bad type, or a self-link: reported by the per-file checks
            other = exercises.get(target)
            if other is None:
                message = f"links to {target!r}, which does not exist"
                errors.append(LibraryError(files[slug], link, message))
                continue
            if other.get(reverse) != slug:
                message = (
                    f"links to {target!r}, but {target!r} has {reverse} "
                    f"{other.get(reverse)!r}; links must be mutual"
                )
                errors.append(LibraryError(files[slug], link, message))
            if link == "progression":
                low, high = data.get("level"), other.get("level")
                if isinstance(low, int) and isinstance(high, int) and high < low:
                    message = (
                        f"{target!r} is level {high}, lower than this exercise's level {low}; "
                        "levels must not go down along a chain"
                    )
                    errors.append(LibraryError(files[slug], "level", message))
    errors.extend(_cycle_errors(exercises, files))
    return errors


def _cycle_errors(
    exercises: Mapping[str, Mapping[str, Any]], files: Mapping[str, str]
) -> list[LibraryError]:
    reported: set[frozenset[str]] = set()
    errors: list[LibraryError] = []
    for link in ("progression", "regression"):
        for start in sorted(exercises):
            path = [start]
            current = exercises[start].get(link)
            while isinstance(current, str) and current in exercises and current not in path:
                path.append(current)
                current = exercises[current].get(link)
            if current != start or len(path) < 2:
                continue
            members = frozenset(path)
            if members in reported:
                continue
            reported.add(members)
            loop = " -> ".join([*path, start])
            errors.append(LibraryError(files[start], link, f"chain loops back on itself: {loop}"))
    return errors


def build_chains(exercises: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """Return each chain as slugs from easiest to hardest (valid, linked libraries only)."""
    by_slug = {data["slug"]: data for data in exercises}
    chains = []
    for slug, data in sorted(by_slug.items()):
        if data.get("regression") is None and data.get("progression") is not None:
            chain = [slug]
            while (nxt := by_slug[chain[-1]].get("progression")) in by_slug and nxt not in chain:
                chain.append(nxt)
            chains.append(chain)
    return chains


# --- templates --------------------------------------------------------------------------


def _prescription_errors(
    file: str,
    item: Mapping[str, Any],
    where: str,
    seen: set[str],
    exercise_slugs: set[str],
    avoid: set[str],
) -> list[LibraryError]:
    errors: list[LibraryError] = []
    exercise = item.get("exercise")
    if isinstance(exercise, str) and exercise not in exercise_slugs:
        errors.append(
            LibraryError(file, f"{where}.exercise", f"{exercise!r} is not in the exercise library")
        )
    elif isinstance(exercise, str) and exercise in avoid:
        message = (
            f"{exercise!r} is to avoid with this condition (caution) and must not be prescribed"
        )
        errors.append(LibraryError(file, f"{where}.exercise", message))

    days, per_week = item.get("days_of_week"), item.get("times_per_week")
    dose_values = dict(item)
    if days is None and per_week is None:
        errors.append(LibraryError(file, where, "give days_of_week or times_per_week"))
        dose_values["times_per_week"] = 1  # reported above; keep the dose check quiet
    elif days is not None and per_week is not None:
        errors.append(LibraryError(file, where, "give only one of days_of_week or times_per_week"))
    elif isinstance(days, list):
        dose_values["times_per_week"] = max(len(days), 1)
    errors.extend(_dose_errors(file, dose_values, where, seen))
    return errors


def validate_template_dict(
    data: Mapping[str, Any],
    file: str,
    exercise_slugs: set[str],
    avoid: Mapping[str, set[str]] | None = None,
) -> list[LibraryError]:
    """Return the problems in one template; avoid maps condition -> exercise slugs to avoid."""
    errors = [_schema_error(file, e) for e in _TEMPLATE_VALIDATOR.iter_errors(data)]
    seen = {error.field for error in errors}
    slug = data.get("slug")
    stem = file.removesuffix(".yaml")
    if isinstance(slug, str) and slug != stem:
        errors.append(LibraryError(file, "slug", f"{slug!r} must equal the file name {stem!r}"))
    condition = data.get("condition")
    avoided = set((avoid or {}).get(condition, set())) if isinstance(condition, str) else set()
    phases = data.get("phases")
    for p, phase in enumerate(phases if isinstance(phases, list) else []):
        items = phase.get("prescriptions") if isinstance(phase, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict):
                where = f"phases[{p}].prescriptions[{i}]"
                errors.extend(
                    _prescription_errors(file, item, where, seen, exercise_slugs, avoided)
                )
    return errors


def check_templates(
    files: ParsedFiles,
    exercise_slugs: set[str],
    exercise_avoided: Mapping[str, Iterable[str]] | None = None,
) -> tuple[list[dict[str, Any]], list[LibraryError]]:
    """Check every template file; exercise_avoided maps slug -> conditions it is to avoid with."""
    avoid: dict[str, set[str]] = {}
    for exercise, conditions in (exercise_avoided or {}).items():
        for condition in conditions:
            avoid.setdefault(condition, set()).add(exercise)
    errors: list[LibraryError] = []
    defined_in: dict[str, str] = {}
    valid: list[dict[str, Any]] = []
    for file, data in _mappings(files):
        if isinstance(data, LibraryError):
            errors.append(data)
            continue
        file_errors = validate_template_dict(data, file, exercise_slugs, avoid)
        _claim_slug(data, file, defined_in, file_errors)
        errors.extend(file_errors)
        if not file_errors:
            valid.append(data)
    return valid, errors


class WalkRunMarked(Protocol):
    """What carries the library's walk_run attribute: an Exercise row, for one."""

    @property
    def walk_run(self) -> bool: ...


def is_walk_run(exercise: WalkRunMarked) -> bool:
    """Tell whether an exercise is a return-to-running line (clinical.md s. 6).

    The walk-run levels and the continuous run that ends them: they step up after good
    sessions at the walk-run pain limit, and are run on non-consecutive days. The library
    files mark them `walk_run: true`; clinic-made exercises never are. The "running"
    position is not enough: running drills (a-skips, bounding) are not walk-run lines.
    """
    return exercise.walk_run


def caution_conditions(exercise: Mapping[str, Any]) -> set[str]:
    """Return the conditions an exercise carries a caution for."""
    return {
        condition
        for caution in exercise.get("cautions") or []
        for condition in caution.get("conditions") or []
    }


def avoided_conditions(exercise: Mapping[str, Any]) -> set[str]:
    """Return the conditions an exercise file says to avoid it with (caution_strength)."""
    strengths = exercise.get("caution_strength") or {}
    return {condition for condition, strength in strengths.items() if strength == AVOID}


def stored_cautions(exercise: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return an exercise file's cautions as Exercise.cautions keeps them: each with its
    "avoid" conditions, so one column answers both "which text" and "how strong"."""
    avoided = avoided_conditions(exercise)
    return [
        {**caution, "avoid": [c for c in caution.get("conditions") or [] if c in avoided]}
        for caution in exercise.get("cautions") or []
    ]


def check_library(exercise_files: ParsedFiles, template_files: ParsedFiles) -> LibraryReport:
    """Check the whole library: exercises, chains and templates."""
    exercises, errors = check_exercises(exercise_files)
    slugs = {exercise["slug"] for exercise in exercises}
    avoided = {exercise["slug"]: avoided_conditions(exercise) for exercise in exercises}
    templates, template_errors = check_templates(template_files, slugs, avoided)
    counts = {category: 0 for category in CATEGORIES}
    for exercise in exercises:
        counts[exercise["category"]] += 1
    return LibraryReport(exercises, templates, [*errors, *template_errors], counts)
