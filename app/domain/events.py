"""The events the phone and the day page's forms send: their schema, parser and results.

One declaration serves every reader: POST /api/v1/sync and the no-JavaScript form both
parse with parse_event, and the OpenAPI document is generated from these models. Each
field reads JSON values and form text alike and answers in the app's own words, keyed by
field; pydantic's own messages never reach the patient.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal, NotRequired, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from app.domain.dose import REPS_RANGE, SETS_RANGE
from app.domain.inputs import ID_MAX, MAX_DIGITS, is_ascii_digits
from app.domain.localtime import (
    DATE_FORMAT_MESSAGE,
    EARLIEST_DATE,
    LATEST_DATE,
    UnreadableDate,
    in_date_range,
    parse_date,
)
from app.domain.messages import MESSAGE_MAX_CHARS, MESSAGE_REQUIRED, message_error
from app.domain.pain import PAIN_MAX, PAIN_MIN, ZONE_ADVICE, Zone, validate_pain

MAX_EVENTS_PER_BATCH = 200
NOTE_MAX_CHARS = 1000
UUID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

EventType = Literal["tick", "untick", "sets", "checkin", "message", "outcome"]
# task: the weekly pain rating of the phase's test task (clinical.md s. 4, tendon stages).
CheckInKind = Literal["during", "morning", "task"]
TickSide = Literal["both", "left", "right"]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
CHECKIN_KINDS: tuple[str, ...] = get_args(CheckInKind)
TICK_SIDES: tuple[str, ...] = get_args(TickSide)

ID_MESSAGE = "id must be a UUID such as 0b8f6a8e-3c1d-4f57-9a43-2f1c7e9d5b10."
TYPE_MESSAGE = f"type must be one of: {', '.join(EVENT_TYPES)}."
TIME_MESSAGE = (
    "client_time must be an ISO 8601 time with a UTC offset, e.g. 2026-11-03T07:15:00+00:00."
)
TIME_RANGE_MESSAGE = f"client_time must fall from {EARLIEST_DATE.year} to {LATEST_DATE.year}."
KIND_MESSAGE = "kind must be during, morning or task."
SETTLED_MESSAGE = "settled must be yes or no."
SETTLED_ONLY_MORNING = "Only the morning check-in asks whether the pain settled."
REPS_MESSAGE = (
    f"reps_done must give the reps of each set, {REPS_RANGE[0] - 1} to {REPS_RANGE[1]}, "
    f"for 1 to {SETS_RANGE[1]} sets."
)
PAIN_REQUIRED = f"Choose your pain from {PAIN_MIN} to {PAIN_MAX}."


class EventStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # already received: nothing changed
    REJECTED = "rejected"  # invalid: nothing stored
    SUPERSEDED = "superseded"  # kept, but a newer change (by client time) already won


# ---------------------------------------------------------------------------------------------
# How each field is read


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("stride", "{message}", {"message": message})


@dataclass(frozen=True)
class _Read:
    """Read one field (a BeforeValidator): empty means absent; errors in the app's words."""

    parse: Callable[[Any], Any]
    required: str | None = None  # the message when absent; None: the field is optional

    def __call__(self, value: Any) -> Any:
        if value in (None, ""):
            if self.required is not None:
                raise _refuse(self.required)
            return None
        return self.parse(value)


def _uuid(value: Any) -> str:
    if not isinstance(value, str) or not UUID_PATTERN.match(value.lower()):
        raise _refuse(ID_MESSAGE)
    return value.lower()


def _aware_time(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _refuse(TIME_MESSAGE)
    if not in_date_range(parsed):  # e.g. 0001-01-01T00:00:00+14:00, before year 1 in UTC
        raise _refuse(TIME_RANGE_MESSAGE)
    return parsed


def _date(name: str) -> Callable[[Any], date]:
    def parse(value: Any) -> date:
        try:
            if not isinstance(value, str):
                raise UnreadableDate({"date": DATE_FORMAT_MESSAGE})
            return parse_date(value)
        except UnreadableDate as error:
            if error.errors["date"] == DATE_FORMAT_MESSAGE:
                raise _refuse(f"{name} must be a date as YYYY-MM-DD.") from None
            raise _refuse(f"{name}: {error.errors['date']}") from None

    return parse


def _whole_number(name: str, low: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, str) and is_ascii_digits(value.strip()) and len(value) <= MAX_DIGITS:
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= ID_MAX:
            raise _refuse(f"{name} must be a whole number of at least {low}.")
        return value

    return parse


def _pain(value: Any) -> int:
    message = validate_pain(value)
    if message:
        raise _refuse(message)
    return int(value)


def _session(value: Any) -> int:
    return 1 if value in (None, "") else _whole_number("session", 1)(value)


def _side(value: Any) -> str:
    if value not in TICK_SIDES:
        raise _refuse("side must be both, left or right.")
    return str(value)


def _kind(value: Any) -> str:
    if value not in CHECKIN_KINDS:
        raise _refuse(KIND_MESSAGE)
    return str(value)


_SETTLED_WORDS = {"yes": True, "true": True, "no": False, "false": False}


def _settled(value: Any) -> bool:
    """Read the 24-hour answer: JSON true / false, or a form's yes / no."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _SETTLED_WORDS:
        return _SETTLED_WORDS[value.strip().lower()]
    raise _refuse(SETTLED_MESSAGE)


def _reps_done(value: Any) -> list[int]:
    """Read reps per set: a JSON list of whole numbers, or form text (one value per set)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not 1 <= len(value) <= SETS_RANGE[1]:
        raise _refuse(REPS_MESSAGE)
    reps = []
    for each in value:
        if isinstance(each, str) and is_ascii_digits(each.strip()) and len(each) <= MAX_DIGITS:
            each = int(each.strip())
        if not isinstance(each, int) or isinstance(each, bool):
            raise _refuse(REPS_MESSAGE)
        if not 0 <= each <= REPS_RANGE[1]:
            raise _refuse(REPS_MESSAGE)
        reps.append(each)
    return reps


def _note(value: Any) -> str:
    if not isinstance(value, str):
        raise _refuse("note must be text.")
    if len(value.strip()) > NOTE_MAX_CHARS:
        raise _refuse(f"Keep the note to {NOTE_MAX_CHARS} characters or fewer.")
    return value.strip()


def _message(value: Any) -> str:
    if not isinstance(value, str):
        raise _refuse("body must be text.")
    problem = message_error(value)
    if problem:
        raise _refuse(problem)
    return value.strip()


def _required_date(name: str) -> BeforeValidator:
    return BeforeValidator(_Read(_date(name), f"{name} is required (YYYY-MM-DD)."))


def _number(name: str, low: int, *, required: bool = False) -> BeforeValidator:
    return BeforeValidator(
        _Read(_whole_number(name, low), f"{name} is required." if required else None)
    )


_READ_ID = _Read(_uuid, ID_MESSAGE)
_READ_TIME = _Read(_aware_time, TIME_MESSAGE)

LocalDate = Annotated[
    date,
    _required_date("local_date"),
    Field(description="Patient-local day: today or up to 2 days back."),
]
Pain = Annotated[int, Field(ge=PAIN_MIN, le=PAIN_MAX)]
AtLeastOne = Annotated[int, Field(ge=1)]
NotNegative = Annotated[int, Field(ge=0)]
OptionalPain = Annotated[Pain | None, BeforeValidator(_Read(_pain))]


# ---------------------------------------------------------------------------------------------
# The events


class _Event(BaseModel):
    """What every event has: its id (the idempotency key), its type and when it happened."""

    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")

    id: Annotated[
        str,
        BeforeValidator(_READ_ID),
        Field(
            description="Made by the phone (crypto.randomUUID()); the idempotency key.",
            json_schema_extra={"format": "uuid"},
        ),
    ]
    type: EventType
    client_time: Annotated[
        datetime,
        BeforeValidator(_READ_TIME),
        Field(
            description="When it happened on the phone, ISO 8601 with offset. Orders changes "
            "to the same tick unit (last writer wins); times ahead of the server count as now."
        ),
    ]
    _payload: dict[str, object] = PrivateAttr(default_factory=dict)

    errors: ClassVar[Mapping[str, str]] = {}  # a parsed event has none (see RejectedEvent)

    @property
    def payload(self) -> dict[str, object]:
        """The event as received (without the form's CSRF token), as stored in SyncEvent."""
        return self._payload


class _UnitEvent(_Event):
    """An event about one tick unit: a line's session and side on a patient-local day."""

    local_date: LocalDate
    line_id: Annotated[
        AtLeastOne,
        _number("line_id", 1, required=True),
        Field(description="The plan line (items[].line_id)."),
    ]
    prescription_id: Annotated[
        AtLeastOne | None,
        _number("prescription_id", 1),
        Field(description="Optional: must be the prescription in force that day for the line."),
    ] = None
    session: Annotated[AtLeastOne, BeforeValidator(_session)] = 1
    side: Annotated[TickSide, BeforeValidator(lambda value: _side(value or "both"))] = "both"


class TickEvent(_UnitEvent):
    """Mark a unit done (all sets unless sets_done says otherwise)."""

    type: Literal["tick"]
    pain: Annotated[OptionalPain, Field(description="Optional pain during this exercise.")] = None
    sets_done: Annotated[
        NotNegative | None,
        _number("sets_done", 0),
        Field(description="Default: all sets."),
    ] = None
    reps_done: Annotated[
        list[Annotated[int, Field(ge=0, le=REPS_RANGE[1])]] | None,
        BeforeValidator(_Read(_reps_done)),
        Field(
            description="Optional: the reps done in each set, one number per set (reps "
            "exercises only). Left out: done as prescribed."
        ),
    ] = None


class UntickEvent(_UnitEvent):
    """Mark a unit not done."""

    type: Literal["untick"]
    pain: ClassVar[None] = None
    sets_done: ClassVar[None] = None
    reps_done: ClassVar[None] = None


class SetsEvent(_UnitEvent):
    """Count a unit's sets; the unit is done at the prescribed sets."""

    type: Literal["sets"]
    sets_done: Annotated[
        NotNegative,
        _number("sets_done", 0, required=True),
        Field(description="Sets counted so far; the unit is done at the prescribed sets."),
    ]
    pain: OptionalPain = None
    reps_done: ClassVar[None] = None


def _day_of_the_session(value: date | None, info: ValidationInfo) -> date | None:
    """A check-in during the day (or a test task rating) is about the day it was entered."""
    if value is None and info.data.get("kind") in ("during", "task"):
        value = info.data.get("local_date")
        if value is None:
            raise _refuse("Give the date of the session.")
    return value


def _settled_only_in_the_morning(value: bool | None, info: ValidationInfo) -> bool | None:
    if value is not None and info.data.get("kind") != "morning":
        raise _refuse(SETTLED_ONLY_MORNING)
    return value


class CheckInEvent(_Event):
    """The patient's pain: during (about an exercise day), the next morning, or the weekly
    rating of the phase's test task (task)."""

    type: Literal["checkin"]
    kind: Annotated[CheckInKind, BeforeValidator(_Read(_kind, KIND_MESSAGE))]
    local_date: Annotated[
        date | None,
        BeforeValidator(_Read(_date("local_date"))),
        Field(description="The patient-local day it was entered."),
    ] = None
    session_date: Annotated[
        date | None,
        BeforeValidator(_Read(_date("session_date"))),
        AfterValidator(_day_of_the_session),
        Field(
            description="The exercise day it is about. Required for 'during' (or give "
            "local_date); for 'morning' it defaults to the day before local_date.",
            validate_default=True,
        ),
    ] = None
    pain: Annotated[Pain, BeforeValidator(_Read(_pain, PAIN_REQUIRED))]
    settled: Annotated[
        bool | None,
        BeforeValidator(_Read(_settled)),
        AfterValidator(_settled_only_in_the_morning),
        Field(
            description="Morning only: has the pain from the exercise day settled within 24 "
            "hours (back to usual)? false makes that day red (clinical.md s. 2)."
        ),
    ] = None
    note: Annotated[
        str, BeforeValidator(lambda value: _note(value or "")), Field(max_length=NOTE_MAX_CHARS)
    ] = ""


class MessageEvent(_Event):
    """A message to the patient's staff, stored once by the event's id."""

    type: Literal["message"]
    body: Annotated[
        str,
        BeforeValidator(_Read(_message, MESSAGE_REQUIRED)),
        Field(max_length=MESSAGE_MAX_CHARS, description="The message text (1 to 2000 characters)."),
    ]


# --- Outcome questionnaires (issue 15): a whole answered questionnaire, sent once. ------------

MAX_OUTCOME_ANSWERS = 100


def _outcome_answers(value: Any) -> list[int | None]:
    """Read the answers list; each one's range is the instrument's (checked by the service)."""
    if not isinstance(value, list) or len(value) > MAX_OUTCOME_ANSWERS:
        raise _refuse("answers must be a list of whole numbers (null for an item left out).")
    read: list[int | None] = []
    for number, answer in enumerate(value, start=1):
        if answer is None:
            read.append(None)
        elif isinstance(answer, int) and not isinstance(answer, bool):
            read.append(answer)
        else:
            raise _refuse(f"Item {number}: must be a whole number, or null when left out.")
    return read


def _row_id(name: str) -> Callable[[Any], int]:
    read = _whole_number(name, 1)

    def parse(value: Any) -> int:
        number = read(value)
        if number > ID_MAX:
            raise _refuse(f"{name} is not a questionnaire of yours.")
        return number

    return parse


def _outcome_activities(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise _refuse("activities must be a list of activity names.")
    return [name[:NOTE_MAX_CHARS] for name in value]


class OutcomeEvent(_Event):
    """The answers to one scheduled questionnaire, in the instrument's item order."""

    type: Literal["outcome"]
    measure_id: Annotated[
        Annotated[int, Field(ge=1, le=ID_MAX)],
        BeforeValidator(_Read(_row_id("measure_id"), "measure_id is required.")),
        Field(description="The questionnaire due (GET /outcomes lists them)."),
    ]
    answers: Annotated[
        list[int | None],
        BeforeValidator(_Read(_outcome_answers, "answers is required.")),
        Field(description="One answer per item, in the instrument's order; null if left out."),
    ]
    activities: Annotated[
        list[str] | None,
        BeforeValidator(_outcome_activities),
        Field(description="PSFS only: the activities named (at follow-ups, leave out)."),
    ] = None


Event = Annotated[
    TickEvent | UntickEvent | SetsEvent | CheckInEvent | MessageEvent | OutcomeEvent,
    Field(discriminator="type"),
]
EVENT_MODELS = (TickEvent, UntickEvent, SetsEvent, CheckInEvent, MessageEvent, OutcomeEvent)
# Every field any event may have, in a stable order (the day page's forms send these).
EVENT_FIELDS = tuple(dict.fromkeys(name for model in EVENT_MODELS for name in model.model_fields))


def _fields_of_type(json_type: str) -> tuple[str, ...]:
    """The fields the schema gives as this JSON type, in a stable order."""
    names: dict[str, None] = {}
    for model in EVENT_MODELS:
        for name, prop in model.model_json_schema()["properties"].items():
            if any(kind.get("type") == json_type for kind in (prop, *prop.get("anyOf", ()))):
                names[name] = None
    return tuple(names)


# The page's script sends form text as numbers for these; a form sends one input per item
# of a list (the reps of each set).
WHOLE_NUMBER_FIELDS = _fields_of_type("integer")
LIST_FIELDS = _fields_of_type("array")

# What the pages and their scripts need of the schema, so none restates it: the day page's
# forms, and every patient page's sync banner (the statuses and the batch limit).
PAGE_SCHEMA: Mapping[str, object] = MappingProxyType(
    {
        "batch_limit": MAX_EVENTS_PER_BATCH,
        "note_max_chars": NOTE_MAX_CHARS,
        "whole_number_fields": " ".join(WHOLE_NUMBER_FIELDS),
        "list_fields": " ".join(LIST_FIELDS),
        "statuses": " ".join(EventStatus),
    }
)


@dataclass(frozen=True)
class RejectedEvent:
    """An event that could not be parsed: its id as sent (if text) and why, by field."""

    id: str | None
    errors: Mapping[str, str]
    type: None = None


ParsedEvent = TickEvent | UntickEvent | SetsEvent | CheckInEvent | MessageEvent | OutcomeEvent
EventIn = ParsedEvent | RejectedEvent


# ---------------------------------------------------------------------------------------------
# Parsing

# Built once: sync is a hot path.
_EVENT: TypeAdapter[ParsedEvent] = TypeAdapter(Event)


def _messages_when_absent() -> dict[str, str]:
    """The message for each required field, by name, for when it is left out altogether."""
    messages = {}
    for model in EVENT_MODELS:
        for name, info in model.model_fields.items():
            for rule in info.metadata:
                if isinstance(rule, BeforeValidator) and isinstance(rule.func, _Read):
                    if rule.func.required is not None:
                        messages[name] = rule.func.required
    return messages


_WHEN_ABSENT = _messages_when_absent()


def parse_event(raw: object) -> EventIn:
    """Parse one event from JSON (or form fields as strings), collecting per-field messages."""
    if not isinstance(raw, Mapping):
        return RejectedEvent(None, {"event": "Each event must be an object."})
    try:
        event = _EVENT.validate_python(raw)
    except ValidationError as error:
        return RejectedEvent(_id_as_sent(raw.get("id")), _messages(raw, error))
    event._payload = _as_received(raw, type(event).model_fields)
    return event


def _messages(raw: Mapping[str, object], error: ValidationError) -> dict[str, str]:
    messages: dict[str, str] = {}
    for problem in error.errors(include_url=False, include_context=False):
        if problem["type"] in ("union_tag_invalid", "union_tag_not_found"):
            return _head_messages(raw)  # no type: only what every event has can be checked
        name = str(problem["loc"][-1])
        absent = problem["type"] == "missing"
        messages[name] = _WHEN_ABSENT.get(name, problem["msg"]) if absent else problem["msg"]
    return messages


def _head_messages(raw: Mapping[str, object]) -> dict[str, str]:
    messages = {}
    for name, read in (("id", _READ_ID), ("type", None), ("client_time", _READ_TIME)):
        try:
            if read is None:
                raise _refuse(TYPE_MESSAGE)
            read(raw.get(name))
        except PydanticCustomError as error:
            messages[name] = error.message()
    return messages


def _id_as_sent(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.lower() if UUID_PATTERN.match(value.lower()) else value


_PLAIN = (str, int, float, bool, type(None))


def _as_received(raw: Mapping[str, object], known: Mapping[str, object]) -> dict[str, object]:
    """The event as stored in SyncEvent.payload: its own fields only, as plain JSON values.

    Unknown fields (and the form's CSRF token) are dropped: a phone cannot park a 300 KB
    field in sync_events, and the patient's export holds only what the schema knows.
    """
    return {k: v if _plain_json(v) else str(v) for k, v in raw.items() if k in known}


def _plain_json(value: object) -> bool:
    # A list of plain values (an outcome event's answers) is kept as the list it is.
    if isinstance(value, list):
        return all(isinstance(item, _PLAIN) for item in value)
    return isinstance(value, _PLAIN)


# ---------------------------------------------------------------------------------------------
# Results


class EventResultJSON(TypedDict):
    """One event's answer in POST /api/v1/sync."""

    id: Annotated[str | None, Field(description="The event's id as sent.")]
    status: Annotated[
        EventStatus,
        Field(
            description="applied: stored; duplicate: this id was seen before, nothing "
            "changed; rejected: invalid, nothing stored (see errors); superseded: stored, "
            "but a change with a later client_time already won."
        ),
    ]
    errors: NotRequired[dict[str, str]]
    zone: NotRequired[Zone]
    advice: NotRequired[str]


@dataclass
class EventResult:
    id: str | None
    status: EventStatus
    errors: Mapping[str, str] = field(default_factory=dict)
    zone: Zone | None = None  # for check-ins: the day's traffic light after this answer

    def as_dict(self) -> EventResultJSON:
        body: EventResultJSON = {"id": self.id, "status": self.status}
        if self.errors:
            body["errors"] = dict(self.errors)
        if self.zone is not None:
            body["zone"] = self.zone
            body["advice"] = ZONE_ADVICE[self.zone]
        return body
