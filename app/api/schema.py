"""The shapes of /api/v1's bodies, declared once: serialize.py builds them, openapi.py shows them.

Requests are the event models of app.domain.events (they parse what they document). The
answers are TypedDicts: plain dicts at run time (nothing to validate on the hot path), whose
shape mypy checks where serialize.py builds them and pydantic turns into JSON Schema.
"""

from typing import Annotated, NotRequired

from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from app.domain.dose import SIDES
from app.domain.events import (
    CHECKIN_KINDS,
    MAX_EVENTS_PER_BATCH,
    TICK_SIDES,
    Event,
    EventResultJSON,
)
from app.domain.pain import PAIN_MAX, PAIN_MIN, Zone
from app.services.activity import DayState

Count = Annotated[int, Field(ge=0)]
PainScore = Annotated[int, Field(ge=PAIN_MIN, le=PAIN_MAX)]
IsoDate = Annotated[str, Field(json_schema_extra={"format": "date"})]
# The views carry these as plain text; the document names the values they take.
PrescribedSide = Annotated[str, Field(json_schema_extra={"enum": list(SIDES)})]
UnitSide = Annotated[str, Field(json_schema_extra={"enum": list(TICK_SIDES)})]
Kind = Annotated[str, Field(json_schema_extra={"enum": list(CHECKIN_KINDS)})]


class ErrorJSON(TypedDict):
    """Any refusal: a sentence, and field name -> message where fields were at fault."""

    error: str
    errors: NotRequired[Annotated[dict[str, str], Field(description="Field name -> message.")]]


class UnitJSON(TypedDict):
    session: Annotated[int, Field(ge=1)]
    side: UnitSide
    done: bool
    sets_done: Count
    pain: PainScore | None
    reps_done: Annotated[
        list[Count] | None, Field(description="Reps of each set, when entered; else null.")
    ]


class ItemJSON(TypedDict):
    line_id: int
    prescription_id: int
    exercise_id: int
    name: str
    steps: list[str]
    dose: Annotated[str, Field(description="In words, e.g. '3 sets of 10, each side'.")]
    side: PrescribedSide
    sets: Annotated[int, Field(ge=1)]
    reps: int | None
    hold_seconds: int | None
    duration_seconds: int | None
    rest_seconds: Count
    sessions: Annotated[int, Field(ge=1)]
    done: bool
    pain: PainScore | None
    units: list[UnitJSON]


class CheckInJSON(TypedDict):
    kind: Kind
    session_date: IsoDate
    pain: PainScore
    note: str
    usual_pain: PainScore | None
    edits: Count
    settled: Annotated[bool | None, Field(description="Morning: settled within 24 hours?")]
    test_task: Annotated[str, Field(description="task: the test task rated.")]


class MorningJSON(TypedDict):
    session_date: IsoDate
    due: bool
    usual_pain: PainScore | None
    answer: CheckInJSON | None
    zone: Zone | None
    advice: str | None
    asks_settled: Annotated[
        bool, Field(description="After a day with exercise: ask whether the pain settled.")
    ]


class TestTaskJSON(TypedDict):
    """The weekly rating of the current phase's test task."""

    task: str
    last_rated: IsoDate | None
    last_pain: PainScore | None
    due: bool
    answer: CheckInJSON | None


class DayCheckInsJSON(TypedDict):
    during: CheckInJSON | None
    zone: Zone | None
    advice: str | None
    usual_pain: PainScore | None
    morning: MorningJSON | None


class ProgressJSON(TypedDict):
    done: Count
    total: Count
    done_units: Count
    due_units: Count
    all_done: bool
    text: Annotated[str, Field(examples=["3 of 5 done"])]


class TodayJSON(TypedDict):
    """The body of GET /api/v1/today."""

    date: IsoDate
    today: IsoDate
    state: DayState
    starts_on: IsoDate | None
    catch_up_dates: list[IsoDate]
    progress: ProgressJSON
    items: list[ItemJSON]
    checkin: DayCheckInsJSON
    test_task: TestTaskJSON | None


class SyncRequest(BaseModel):
    """The body of POST /api/v1/sync: each event is parsed and applied on its own."""

    events: Annotated[list[Event], Field(max_length=MAX_EVENTS_PER_BATCH)]


class SyncResponse(TypedDict):
    """One result per event, in the order sent."""

    results: list[EventResultJSON]
