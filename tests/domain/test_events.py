"""The event schema: what parse_event accepts from JSON and forms, and its words for the rest."""

from datetime import UTC, date, datetime

import pytest

from app.domain.events import (
    EVENT_FIELDS,
    WHOLE_NUMBER_FIELDS,
    CheckInEvent,
    EventResult,
    EventStatus,
    MessageEvent,
    RejectedEvent,
    SetsEvent,
    TickEvent,
    UntickEvent,
    parse_event,
)
from app.domain.pain import ZONE_ADVICE, Zone

ID = "0b8f6a8e-3c1d-4f57-9a43-2f1c7e9d5b10"
TIME = "2026-11-03T07:15:00+00:00"
ID_MESSAGE = "id must be a UUID such as 0b8f6a8e-3c1d-4f57-9a43-2f1c7e9d5b10."
TIME_MESSAGE = (
    "client_time must be an ISO 8601 time with a UTC offset, e.g. 2026-11-03T07:15:00+00:00."
)


def _tick(**fields: object) -> dict[str, object]:
    return {"id": ID, "type": "tick", "client_time": TIME, "local_date": "2026-11-03", **fields}


def _checkin(**fields: object) -> dict[str, object]:
    return {"id": ID, "type": "checkin", "client_time": TIME, "kind": "during", **fields}


def _message(**fields: object) -> dict[str, object]:
    return {"id": ID, "type": "message", "client_time": TIME, **fields}


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        ("tick", {"event": "Each event must be an object."}),
        (
            {"id": "bad", "type": "tick"},
            {
                "id": ID_MESSAGE,
                "client_time": TIME_MESSAGE,
                "local_date": "local_date is required (YYYY-MM-DD).",
                "line_id": "line_id is required.",
            },
        ),
        (
            {"id": 7, "type": "dance", "line_id": -1},
            {
                "id": ID_MESSAGE,
                "type": "type must be one of: tick, untick, sets, checkin, message, outcome.",
                "client_time": TIME_MESSAGE,
            },
        ),
        (_tick(line_id=1, client_time="2026-11-03T07:15:00"), {"client_time": TIME_MESSAGE}),
        (
            _tick(line_id="0", local_date="03/11/2026"),
            {
                "local_date": "local_date must be a date as YYYY-MM-DD.",
                "line_id": "line_id must be a whole number of at least 1.",
            },
        ),
        (_tick(line_id=True), {"line_id": "line_id must be a whole number of at least 1."}),
        (_tick(line_id=1.0), {"line_id": "line_id must be a whole number of at least 1."}),
        (_tick(line_id=1, side="each"), {"side": "side must be both, left or right."}),
        (_tick(line_id=1, pain=11), {"pain": "Pain must be a whole number from 0 to 10."}),
        (
            _tick(line_id=1, session=0, sets_done=-1),
            {
                "session": "session must be a whole number of at least 1.",
                "sets_done": "sets_done must be a whole number of at least 0.",
            },
        ),
        (_tick(type="sets", line_id=1), {"sets_done": "sets_done is required."}),
        (_checkin(pain=3), {"session_date": "Give the date of the session."}),
        (
            _checkin(local_date="yesterday"),
            {
                "local_date": "local_date must be a date as YYYY-MM-DD.",
                "session_date": "Give the date of the session.",
                "pain": "Choose your pain from 0 to 10.",
            },
        ),
        (
            _checkin(kind="evening", pain=""),
            {
                "kind": "kind must be during, morning or task.",
                "pain": "Choose your pain from 0 to 10.",
            },
        ),
        (_checkin(kind="morning", pain=2, note=5), {"note": "note must be text."}),
        (
            _checkin(kind="morning", pain=2, note="x" * 1001),
            {"note": "Keep the note to 1000 characters or fewer."},
        ),
        (_message(), {"body": "Write a message first."}),
        (_message(body="   \n "), {"body": "Write a message first."}),
        (_message(body=12), {"body": "body must be text."}),
        (_message(body="x" * 2001), {"body": "Keep the message to 2000 characters or fewer."}),
    ],
)
def test_a_bad_event_is_rejected_with_a_message_per_field(raw, errors):
    event = parse_event(raw)
    assert isinstance(event, RejectedEvent)
    assert dict(event.errors) == errors


@pytest.mark.parametrize(
    ("sent", "answered"), [(ID.upper(), ID), ("bad", "bad"), (None, None), (["x"], None)]
)
def test_a_rejected_event_keeps_its_id_as_sent_when_it_is_text(sent, answered):
    assert parse_event({"id": sent, "type": "tick"}).id == answered


def test_form_text_parses_like_json():
    form = _tick(line_id=" 2 ", session="2", side="", pain="4", sets_done="1", prescription_id="")
    event = parse_event({**form, "csrf_token": "secret"})
    assert isinstance(event, TickEvent)
    assert (event.line_id, event.session, event.side, event.pain, event.sets_done) == (
        2,
        2,
        "both",
        4,
        1,
    )
    assert event.prescription_id is None
    assert event.client_time == datetime(2026, 11, 3, 7, 15, tzinfo=UTC)
    assert event.payload == form  # as received, without the token


def test_the_payload_keeps_only_the_events_own_fields():
    event = parse_event(_tick(line_id=1, extra={"a": 1}, smuggled="x" * 1000))
    assert "extra" not in event.payload and "smuggled" not in event.payload
    assert event.payload["line_id"] == 1


def test_an_untick_ignores_pain_and_sets():
    event = parse_event(_tick(type="untick", line_id=1, pain=99, sets_done="x"))
    assert isinstance(event, UntickEvent)
    assert event.pain is None and event.sets_done is None


def test_sets_events_carry_their_count():
    event = parse_event(_tick(type="sets", line_id=1, sets_done=0))
    assert isinstance(event, SetsEvent) and event.sets_done == 0


@pytest.mark.parametrize(
    ("fields", "session_date", "local_date"),
    [
        ({"session_date": "2026-11-02"}, date(2026, 11, 2), None),
        ({"local_date": "2026-11-03"}, date(2026, 11, 3), date(2026, 11, 3)),
        ({"kind": "morning"}, None, None),  # the day before it was entered, decided on apply
    ],
)
def test_check_in_days(fields, session_date, local_date):
    event = parse_event(_checkin(pain="6", note="  Sore  ", **fields))
    assert isinstance(event, CheckInEvent)
    assert (event.session_date, event.local_date) == (session_date, local_date)
    assert (event.pain, event.note) == (6, "Sore")


def test_the_schema_names_the_fields_forms_send_and_the_numbers_among_them():
    assert set(EVENT_FIELDS) == {
        "id",
        "type",
        "client_time",
        "local_date",
        "line_id",
        "prescription_id",
        "session",
        "side",
        "pain",
        "sets_done",
        "reps_done",
        "kind",
        "session_date",
        "settled",
        "note",
        "body",
        "measure_id",
        "answers",
        "activities",
    }
    assert set(WHOLE_NUMBER_FIELDS) == {
        "line_id",
        "prescription_id",
        "session",
        "pain",
        "sets_done",
        "measure_id",
    }


def test_results_as_json():
    assert EventResult(ID, EventStatus.APPLIED).as_dict() == {"id": ID, "status": "applied"}
    rejected = EventResult(None, EventStatus.REJECTED, {"event": "Each event must be an object."})
    assert rejected.as_dict()["errors"] == {"event": "Each event must be an object."}
    answered = EventResult(ID, EventStatus.APPLIED, zone=Zone.AMBER).as_dict()
    assert (answered["zone"], answered["advice"]) == ("amber", ZONE_ADVICE[Zone.AMBER])


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        ("Knee sore after the step-downs", "Knee sore after the step-downs"),
        ("  trimmed  \n", "trimmed"),
        ("x" * 2000, "x" * 2000),
    ],
)
def test_a_message_event_keeps_its_text_trimmed(body, stored):
    event = parse_event(_message(body=body))
    assert isinstance(event, MessageEvent)
    assert event.body == stored
