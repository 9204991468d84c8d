"""Outcome questionnaires (PROMs): their files, scoring from raw answers, change and due dates.

Pure: services.outcomes reads the instrument files and hands their parsed contents here.
Answers are stored raw, one per item in the instrument's item order (None for an item left
out); every score is computed here from them, by the rule of the instrument's own file.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from jsonschema import Draft202012Validator

from app.domain.errors import Refused
from app.domain.inputs import is_ascii_digits
from app.domain.library_files import (
    CONDITIONS,
    SCHEMA_DRAFT,
    LibraryError,
    _schema_error,
    exercise_content_hash,
)
from app.domain.numbers import half_up

INSTRUMENTS = ("psfs", "lefs", "ihot12", "hagos")  # the measures Stride knows how to score
METHODS = ("sum", "mean", "subscales")
# A measure not answered this many days after it fell due is "missed" (the dashboard badge).
MISSED_AFTER_DAYS = 7
EVERY_WEEKS_RANGE = (1, 52)
# A programme assigned from a condition template schedules its suggested measures this often.
TEMPLATE_EVERY_WEEKS = 4
REASONS = {"baseline": "Baseline", "repeat": "Follow-up", "discharge": "Discharge"}

Method = Literal["sum", "mean", "subscales"]
Answer = int | None
MeasureState = Literal["upcoming", "due", "missed", "answered"]


# --- The file format ------------------------------------------------------------------------


def _text(max_length: int = 600) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


def _key() -> dict[str, Any]:
    return {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$", "maxLength": 40}


_SUGGESTED = {
    "type": "object",
    "additionalProperties": False,
    "required": ["conditions"],
    "description": "Conditions this measure is suggested for when scheduling.",
    "properties": {"conditions": {"type": "array", "items": {"enum": list(CONDITIONS)}}},
}


def _scoring_schema() -> dict[str, Any]:
    """The `scoring` part of an instrument file: method, range, rounding and missing items."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["method", "range", "decimals", "missing"],
        "properties": {
            "method": {"enum": list(METHODS)},
            "range": {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 2,
                "maxItems": 2,
            },
            "decimals": {"type": "integer", "minimum": 0, "maximum": 2},
            "missing": {
                "type": "object",
                "additionalProperties": False,
                "required": ["fill", "source", "choice"],
                "properties": {
                    "max_missing": {"type": "integer", "minimum": 0},
                    "min_answered_fraction": {
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "maximum": 1,
                    },
                    "fill": {"enum": ["none", "prorate", "mean_of_answered"]},
                    "source": _text(1000),
                    "choice": _text(1000),
                },
            },
        },
    }


def instrument_schema() -> dict[str, Any]:
    """Return the JSON schema (draft 2020-12) of one instrument file (shipped or licensed)."""
    item = {
        "type": "object",
        "additionalProperties": False,
        "required": ["key"],
        "properties": {
            "key": _key(),
            "label": _text(120),
            "text": _text(),  # the licensed wording, in a file given to `flask outcomes load`
            "anchors": {"type": "object", "additionalProperties": _text(120)},
        },
    }
    number = {"type": "number", "exclusiveMinimum": 0}
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "Stride outcome instrument",
        "type": "object",
        "additionalProperties": False,
        "required": ["slug", "name", "short_name", "prompt", "response_scale", "scoring", "mcid"],
        "properties": {
            "slug": {"enum": list(INSTRUMENTS)},
            "name": _text(120),
            "short_name": _text(20),
            "prompt": _text(),
            "licence": _text(),
            "suggested": _SUGGESTED,
            "response_scale": {
                "type": "object",
                "additionalProperties": False,
                "required": ["min", "max", "higher_is_better", "anchors"],
                "properties": {
                    "min": {"type": "integer"},
                    "max": {"type": "integer"},
                    "higher_is_better": {"type": "boolean"},
                    "anchors": {"type": "object", "additionalProperties": _text(120)},
                },
            },
            "items": {"type": "array", "items": item, "maxItems": 100},
            "activities": {
                "type": "object",
                "additionalProperties": False,
                "required": ["min", "max", "label_max_chars", "ask"],
                "properties": {
                    "min": {"type": "integer", "minimum": 1},
                    "max": {"type": "integer", "minimum": 1, "maximum": 10},
                    "label_max_chars": {"type": "integer", "minimum": 10, "maximum": 200},
                    "ask": _text(),
                },
            },
            "subscales": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["key", "name", "items"],
                    "properties": {
                        "key": _key(),
                        "name": _text(120),
                        "items": {"type": "array", "items": _key(), "minItems": 1},
                        "mcid": number,
                    },
                },
            },
            "scoring": _scoring_schema(),
            "mcid": {
                "type": "object",
                "additionalProperties": False,
                "required": ["total", "source"],
                "properties": {"total": number, "item": number, "source": _text(1000)},
            },
        },
    }


_VALIDATOR = Draft202012Validator(instrument_schema())


@dataclass(frozen=True)
class Item:
    key: str
    label: str  # Stride's short neutral label
    text: str | None = None  # the clinic's licensed wording, when loaded


@dataclass(frozen=True)
class Subscale:
    key: str
    name: str
    items: tuple[str, ...]
    mcid: float


@dataclass(frozen=True)
class Instrument:
    """One questionnaire as its file describes it: what is asked, and how it is scored."""

    slug: str
    name: str
    short_name: str
    prompt: str
    low: int
    high: int
    higher_is_better: bool
    anchors: Mapping[int, str]
    items: tuple[Item, ...]
    method: Method
    score_range: tuple[float, float]
    decimals: int
    max_missing: int | None
    min_answered_fraction: float | None
    missing_source: str
    missing_choice: str
    mcid: float
    mcid_item: float | None
    mcid_source: str
    subscales: tuple[Subscale, ...] = ()
    activities: tuple[int, int] | None = None  # PSFS: how many activities the patient names
    activity_label_chars: int = 80
    activity_ask: str = ""
    content_hash: str = ""
    licensed: bool = False  # True when a clinic's licensed wording is loaded

    @property
    def names_activities(self) -> bool:
        return self.activities is not None

    def item_count(self, activities: Sequence[str] = ()) -> int:
        return len(activities) if self.names_activities else len(self.items)


def _semantic_errors(file: str, data: Mapping[str, Any]) -> list[LibraryError]:
    """Return the problems the schema cannot see: scale, items, subscales, missing rule."""
    errors: list[LibraryError] = []
    scale = data["response_scale"]
    if scale["min"] >= scale["max"]:
        errors.append(LibraryError(file, "response_scale", "min must be below max"))
    for anchor in scale["anchors"]:
        if not str(anchor).lstrip("-").isdigit() or not scale["min"] <= int(anchor) <= scale["max"]:
            errors.append(
                LibraryError(file, f"response_scale.anchors.{anchor}", "is not a scale value")
            )
    items = data.get("items", [])
    keys = [item["key"] for item in items]
    if len(set(keys)) != len(keys):
        errors.append(LibraryError(file, "items", "item keys must be unique"))
    if bool(items) == ("activities" in data):
        errors.append(LibraryError(file, "items", "give either items or activities, not both"))
    method = data["scoring"]["method"]
    subscales = data.get("subscales", [])
    if (method == "subscales") != bool(subscales):
        errors.append(LibraryError(file, "subscales", "needed exactly when method is subscales"))
    covered = [key for sub in subscales for key in sub["items"]]
    if subscales and sorted(covered) != sorted(keys):
        errors.append(LibraryError(file, "subscales", "must use every item exactly once"))
    missing = data["scoring"]["missing"]
    if method == "subscales" and "min_answered_fraction" not in missing:
        errors.append(LibraryError(file, "scoring.missing.min_answered_fraction", "is missing"))
    if method != "subscales" and "max_missing" not in missing:
        errors.append(LibraryError(file, "scoring.missing.max_missing", "is missing"))
    # How a gap is filled follows from the method: a sum is prorated, a mean uses the answered.
    fits = {"sum": ("prorate", "none"), "mean": ("mean_of_answered", "none")}
    if missing["fill"] not in fits.get(method, ("mean_of_answered",)):
        errors.append(
            LibraryError(file, "scoring.missing.fill", f"does not fit the method {method}")
        )
    return errors


def check_instrument(file: str, data: object) -> list[LibraryError]:
    """Return every problem in one instrument file's parsed content (empty when valid)."""
    if isinstance(data, LibraryError):
        return [data]
    if not isinstance(data, dict):
        return [LibraryError(file, "", "must be a YAML mapping of fields")]
    errors = [_schema_error(file, e) for e in _VALIDATOR.iter_errors(data)]
    if errors:
        return errors
    errors = _semantic_errors(file, data)
    stem = file.removesuffix(".yaml")
    if data["slug"] != stem:
        errors.append(LibraryError(file, "slug", f"{data['slug']!r} must equal the file name"))
    for index, item in enumerate(data.get("items", [])):
        if "label" not in item:
            errors.append(LibraryError(file, f"items[{index}].label", "is missing"))
    return errors


def instrument_from(
    data: Mapping[str, Any], wording: Mapping[str, Any] | None = None
) -> Instrument:
    """Build an Instrument from a checked file's content and, if loaded, its licensed wording."""
    scale, scoring, mcid = data["response_scale"], data["scoring"], data["mcid"]
    texts: Mapping[str, str] = (wording or {}).get("items", {})
    missing = scoring["missing"]
    activities = data.get("activities")
    subscale_mcid = float(mcid["total"])
    anchors = {int(k): str(v) for k, v in scale["anchors"].items()}
    anchors.update({int(k): str(v) for k, v in (wording or {}).get("anchors", {}).items()})
    return Instrument(
        slug=data["slug"],
        name=data["name"],
        short_name=data["short_name"],
        prompt=(wording or {}).get("prompt") or data["prompt"],
        low=scale["min"],
        high=scale["max"],
        higher_is_better=scale["higher_is_better"],
        anchors=anchors,
        items=tuple(
            Item(item["key"], item["label"], texts.get(item["key"]))
            for item in data.get("items", [])
        ),
        method=scoring["method"],
        score_range=(float(scoring["range"][0]), float(scoring["range"][1])),
        decimals=scoring["decimals"],
        max_missing=missing.get("max_missing"),
        min_answered_fraction=missing.get("min_answered_fraction"),
        missing_source=" ".join(missing["source"].split()),
        missing_choice=" ".join(missing["choice"].split()),
        mcid=float(mcid["total"]),
        mcid_item=float(mcid["item"]) if "item" in mcid else None,
        mcid_source=" ".join(mcid["source"].split()),
        subscales=tuple(
            Subscale(s["key"], s["name"], tuple(s["items"]), float(s.get("mcid", subscale_mcid)))
            for s in data.get("subscales", [])
        ),
        activities=(activities["min"], activities["max"]) if activities else None,
        activity_label_chars=activities["label_max_chars"] if activities else 80,
        activity_ask=activities["ask"] if activities else "",
        content_hash=content_hash(data),
        licensed=bool(texts),
    )


def content_hash(data: Mapping[str, Any]) -> str:
    """Return the stable hash of an instrument file (kept with each answered measure)."""
    return exercise_content_hash(data)


def wording_errors(file: str, shipped: Mapping[str, Any], data: object) -> list[LibraryError]:
    """Check a clinic's licensed wording file against the shipped instrument it words.

    Same format as the shipped file; its structure (items, scale, scoring) must be the same
    and every item needs its `text`.
    """
    errors = check_instrument(file.replace(".yaml", "") + ".yaml", data)
    errors = [e for e in errors if e.field != "slug" or "file name" not in e.message]
    if errors or not isinstance(data, dict):
        return errors
    if data["slug"] != shipped["slug"]:
        return [LibraryError(file, "slug", f"no shipped instrument {data['slug']!r}")]
    problems: list[LibraryError] = []
    theirs = [item["key"] for item in data.get("items", [])]
    ours = [item["key"] for item in shipped.get("items", [])]
    if theirs != ours:
        problems.append(
            LibraryError(file, "items", f"keys must be those of the shipped file, in order: {ours}")
        )
    for name in ("scoring", "subscales", "activities", "mcid"):
        if data.get(name) != shipped.get(name):
            problems.append(LibraryError(file, name, "must be the same as the shipped file's"))
    for key in ("min", "max", "higher_is_better"):
        if data["response_scale"][key] != shipped["response_scale"][key]:
            problems.append(LibraryError(file, f"response_scale.{key}", "must match"))
    for index, item in enumerate(data.get("items", [])):
        if "text" not in item:
            problems.append(LibraryError(file, f"items[{index}].text", "is missing"))
    return problems


def wording_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return what is stored of a licensed wording file: prompt, anchors and item texts."""
    return {
        "prompt": data["prompt"],
        "anchors": {str(k): v for k, v in data["response_scale"]["anchors"].items()},
        "items": {item["key"]: item["text"] for item in data.get("items", [])},
        "licence": data.get("licence", ""),
    }


# --- Answers and scores ---------------------------------------------------------------------


def read_answers(
    instrument: Instrument, answers: object, activities: object = None
) -> tuple[list[Answer], list[str]]:
    """Check raw answers (and PSFS activity names); return them clean or raise Refused.

    Errors are keyed by field: "answers.N" (1-based item number) or "activities.N", with
    one message naming the item and why; nothing is scored from a refused set.
    """
    names = _read_activities(instrument, activities)
    if not isinstance(answers, list):
        raise Refused({"answers": "answers must be a list of the item answers in order."})
    wanted = len(names) if instrument.names_activities else len(instrument.items)
    if len(answers) != wanted:
        what = "activities named" if instrument.names_activities else "items"
        raise Refused(
            {"answers": f"Give {wanted} answers, one per item ({what}); got {len(answers)}."}
        )
    clean: list[Answer] = []
    for number, value in enumerate(answers, start=1):
        label = _label(instrument, number, names)
        if value is None or value == "":
            clean.append(None)
            continue
        if isinstance(value, str) and is_ascii_digits(value.strip().removeprefix("-")):
            value = int(value.strip())  # ASCII digits only: int() also reads "²" and "٣"
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refused(
                {f"answers.{number}": f"Item {number} ({label}): must be a whole number."}
            )
        if not instrument.low <= value <= instrument.high:
            raise Refused(
                {
                    f"answers.{number}": f"Item {number} ({label}): {value} is outside "
                    f"{instrument.low}-{instrument.high}."
                }
            )
        clean.append(value)
    _check_enough(instrument, clean, names)
    return clean, names


def _label(instrument: Instrument, number: int, names: Sequence[str]) -> str:
    if instrument.names_activities:
        return names[number - 1] if number <= len(names) else "activity"
    return instrument.items[number - 1].label


def _read_activities(instrument: Instrument, activities: object) -> list[str]:
    if not instrument.names_activities:
        return []
    assert instrument.activities is not None
    low, high = instrument.activities
    if not isinstance(activities, list) or not low <= len(activities) <= high:
        raise Refused({"activities": f"Name {low} to {high} activities."})
    names = []
    for number, name in enumerate(activities, start=1):
        text = name.strip() if isinstance(name, str) else ""
        if not text:
            raise Refused({f"activities.{number}": f"Activity {number}: give it a name."})
        if len(text) > instrument.activity_label_chars:
            raise Refused(
                {
                    f"activities.{number}": f"Activity {number}: keep it to "
                    f"{instrument.activity_label_chars} characters."
                }
            )
        names.append(text)
    return names


def _check_enough(instrument: Instrument, answers: Sequence[Answer], names: Sequence[str]) -> None:
    """Refuse a set with more items missing than the instrument's rule allows."""
    missing = [n for n, value in enumerate(answers, start=1) if value is None]
    if not missing:
        return
    if instrument.method == "subscales":
        scored = score(instrument, answers)
        if all(value is None for value in scored.subscales.values()):
            raise Refused({"answers": "Too many items left out: no part can be scored."})
        return
    allowed = instrument.max_missing or 0
    if len(missing) > allowed:
        first = missing[0]
        label = _label(instrument, first, names)
        why = (
            "every item needs an answer"
            if allowed == 0
            else f"at most {allowed} items may be left out ({len(missing)} are)"
        )
        raise Refused({f"answers.{first}": f"Item {first} ({label}): missing; {why}."})


@dataclass(frozen=True)
class Score:
    """A measure's score: a total (LEFS, iHOT-12, PSFS) or subscales (HAGOS)."""

    total: float | None = None
    subscales: Mapping[str, float | None] = field(default_factory=dict)
    answered: int = 0
    missing: int = 0

    def as_json(self) -> dict[str, Any]:
        if self.subscales:
            return {"subscales": {k: _plain(v) for k, v in self.subscales.items()}}
        return {"total": _plain(self.total)}

    def values(self) -> dict[str, float | None]:
        """Each number the score has, by key ("total" or the subscale keys)."""
        return dict(self.subscales) if self.subscales else {"total": self.total}


def _plain(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _round(value: float, decimals: int) -> float:
    if decimals == 0:
        return float(half_up(value))
    scale = 10**decimals
    return float(half_up(value * scale) / scale)


def score(instrument: Instrument, answers: Sequence[Answer]) -> Score:
    """Score a set of raw answers (None = left out) by the instrument's rules.

    sum: the total, prorated to all items when the missing rule allows a gap; mean: the
    mean of the answered items; subscales: each 0-100 (100 best) from the mean of its
    answered items, or None when fewer than the rule's share are answered.
    """
    given = [value for value in answers if value is not None]
    answered, missing = len(given), len(answers) - len(given)
    if instrument.method == "subscales":
        return Score(subscales=_subscales(instrument, answers), answered=answered, missing=missing)
    allowed = instrument.max_missing or 0
    if not given or missing > allowed:
        return Score(total=None, answered=answered, missing=missing)
    if instrument.method == "sum":
        total = sum(given) * len(answers) / len(given)
    else:
        total = sum(given) / len(given)
    return Score(total=_round(total, instrument.decimals), answered=answered, missing=missing)


def _subscales(instrument: Instrument, answers: Sequence[Answer]) -> dict[str, float | None]:
    position = {item.key: index for index, item in enumerate(instrument.items)}
    fraction = instrument.min_answered_fraction or 1.0
    span = instrument.high - instrument.low
    result: dict[str, float | None] = {}
    for sub in instrument.subscales:
        values = [answers[position[key]] for key in sub.items]
        given = [v for v in values if v is not None]
        if not given or len(given) < fraction * len(values):
            result[sub.key] = None
            continue
        mean = (sum(given) / len(given) - instrument.low) / span
        best_share = mean if instrument.higher_is_better else 1 - mean
        result[sub.key] = _round(100 * best_share, instrument.decimals)
    return result


def score_from_json(instrument: Instrument, answers: object, activities: object = None) -> Score:
    """Check and score answers as the CLI and the API receive them (raises Refused)."""
    clean, _names = read_answers(instrument, answers, activities)
    return score(instrument, clean)


def score_json_text(value: Score) -> str:
    return json.dumps(value.as_json(), separators=(", ", ": "))


# --- Change since baseline ------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One number's change from the baseline to the latest answer, against its MCID."""

    key: str
    label: str
    baseline: float | None
    latest: float | None
    mcid: float

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.latest is None:
            return None
        return round(self.latest - self.baseline, 1)

    @property
    def matters(self) -> bool:
        """True when the change is at least the smallest change that matters."""
        return self.delta is not None and abs(self.delta) >= self.mcid

    def words(self, higher_is_better: bool = True) -> str:
        delta = self.delta
        if delta is None:
            return "No change can be given (a score is missing)."
        if delta == 0:
            return "No change."
        better = (delta > 0) == higher_is_better
        way = "better" if better else "worse"
        size = "at least" if self.matters else "less than"
        return f"{_signed(delta)}: {way}, {size} the {_plain(self.mcid)} that matters."


def _signed(value: float) -> str:
    plain = _plain(value)
    return f"+{plain}" if value > 0 else f"{plain}"


def changes(
    instrument: Instrument,
    baseline: Score,
    latest: Score,
    baseline_items: Sequence[Answer] = (),
    latest_items: Sequence[Answer] = (),
    activities: Sequence[str] = (),
) -> list[Change]:
    """Return the change of each score part; PSFS adds one line per activity (MCID 3)."""
    label_of = {sub.key: sub.name for sub in instrument.subscales}
    mcid_of = {sub.key: sub.mcid for sub in instrument.subscales}
    result = [
        Change(
            key,
            label_of.get(key, "Mean" if instrument.names_activities else "Total"),
            baseline.values().get(key),
            value,
            mcid_of.get(key, instrument.mcid),
        )
        for key, value in latest.values().items()
    ]
    if instrument.names_activities and instrument.mcid_item is not None:
        for index, name in enumerate(activities):
            before = baseline_items[index] if index < len(baseline_items) else None
            after = latest_items[index] if index < len(latest_items) else None
            result.append(
                Change(
                    f"activity{index + 1}",
                    name,
                    None if before is None else float(before),
                    None if after is None else float(after),
                    instrument.mcid_item,
                )
            )
    return result


# --- When a measure is due ------------------------------------------------------------------


def measure_state(due_on: date, answered_on: date | None, today: date) -> MeasureState:
    """Return whether a measure is answered, upcoming, due, or missed (a week overdue)."""
    if answered_on is not None:
        return "answered"
    if due_on > today:
        return "upcoming"
    if (today - due_on).days > MISSED_AFTER_DAYS:
        return "missed"
    return "due"


def next_due(answered_on: date, every_weeks: int | None) -> date | None:
    """Return when a repeating measure is next due after an answer (None: not repeating)."""
    if not every_weeks:
        return None
    return answered_on + timedelta(weeks=every_weeks)


def every_weeks_error(value: int | None) -> str | None:
    """Return why a repeat interval is not allowed, or None when it is."""
    low, high = EVERY_WEEKS_RANGE
    if value is not None and not low <= value <= high:
        return f"Repeat every {low} to {high} weeks, or leave it empty for no repeat."
    return None
