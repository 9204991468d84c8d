"""The OpenAPI 3.1 description of /api/v1, written by hand next to the code it describes."""

from app.domain.pain import PAIN_MAX, PAIN_MIN
from app.services.activity import (
    CHECKIN_KINDS,
    MAX_EVENTS_PER_BATCH,
    NOTE_MAX_CHARS,
    TICK_SIDES,
)

_DATE = {"type": "string", "format": "date"}
_PAIN = {"type": "integer", "minimum": PAIN_MIN, "maximum": PAIN_MAX}
_NULLABLE_PAIN = {"type": ["integer", "null"], "minimum": PAIN_MIN, "maximum": PAIN_MAX}
_ZONE = {"type": ["string", "null"], "enum": ["green", "amber", "red", None]}
_UUID = {"type": "string", "format": "uuid"}

_EVENT_BASE = {
    "id": {**_UUID, "description": "Made by the phone (crypto.randomUUID()); the idempotency key."},
    "client_time": {
        "type": "string",
        "format": "date-time",
        "description": "When it happened on the phone, ISO 8601 with offset. Orders changes "
        "to the same tick unit (last writer wins); times ahead of the server count as now.",
    },
}
_UNIT_FIELDS = {
    "local_date": {**_DATE, "description": "Patient-local day: today or up to 2 days back."},
    "line_id": {"type": "integer", "minimum": 1, "description": "The plan line (items[].line_id)."},
    "prescription_id": {
        "type": "integer",
        "minimum": 1,
        "description": "Optional: must be the prescription in force that day for the line.",
    },
    "session": {"type": "integer", "minimum": 1, "default": 1},
    "side": {"type": "string", "enum": list(TICK_SIDES), "default": "both"},
}

SCHEMAS: dict[str, object] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Field name -> message.",
            },
        },
    },
    "Unit": {
        "type": "object",
        "required": ["session", "side", "done", "sets_done", "pain"],
        "properties": {
            "session": {"type": "integer", "minimum": 1},
            "side": {"type": "string", "enum": list(TICK_SIDES)},
            "done": {"type": "boolean"},
            "sets_done": {"type": "integer", "minimum": 0},
            "pain": _NULLABLE_PAIN,
        },
    },
    "Item": {
        "type": "object",
        "required": [
            "line_id",
            "prescription_id",
            "exercise_id",
            "name",
            "steps",
            "dose",
            "side",
            "sets",
            "reps",
            "hold_seconds",
            "duration_seconds",
            "rest_seconds",
            "sessions",
            "done",
            "pain",
            "units",
        ],
        "properties": {
            "line_id": {"type": "integer"},
            "prescription_id": {"type": "integer"},
            "exercise_id": {"type": "integer"},
            "name": {"type": "string"},
            "steps": {"type": "array", "items": {"type": "string"}},
            "dose": {"type": "string", "description": "In words, e.g. '3 sets of 10, each side'."},
            "side": {"type": "string", "enum": ["both", "left", "right", "each"]},
            "sets": {"type": "integer", "minimum": 1},
            "reps": {"type": ["integer", "null"]},
            "hold_seconds": {"type": ["integer", "null"]},
            "duration_seconds": {"type": ["integer", "null"]},
            "rest_seconds": {"type": "integer", "minimum": 0},
            "sessions": {"type": "integer", "minimum": 1},
            "done": {"type": "boolean"},
            "pain": _NULLABLE_PAIN,
            "units": {"type": "array", "items": {"$ref": "#/components/schemas/Unit"}},
        },
    },
    "CheckIn": {
        "type": ["object", "null"],
        "required": ["kind", "session_date", "pain", "note", "usual_pain", "edits"],
        "properties": {
            "kind": {"type": "string", "enum": list(CHECKIN_KINDS)},
            "session_date": _DATE,
            "pain": _PAIN,
            "note": {"type": "string"},
            "usual_pain": _NULLABLE_PAIN,
            "edits": {"type": "integer", "minimum": 0},
        },
    },
    "Today": {
        "type": "object",
        "required": [
            "date",
            "today",
            "state",
            "starts_on",
            "catch_up_dates",
            "progress",
            "items",
            "checkin",
        ],
        "properties": {
            "date": _DATE,
            "today": _DATE,
            "state": {"type": "string", "enum": ["no_programme", "rest_day", "due"]},
            "starts_on": {"type": ["string", "null"], "format": "date"},
            "catch_up_dates": {"type": "array", "items": _DATE},
            "progress": {
                "type": "object",
                "required": ["done", "total", "done_units", "due_units", "all_done", "text"],
                "properties": {
                    "done": {"type": "integer", "minimum": 0},
                    "total": {"type": "integer", "minimum": 0},
                    "done_units": {"type": "integer", "minimum": 0},
                    "due_units": {"type": "integer", "minimum": 0},
                    "all_done": {"type": "boolean"},
                    "text": {"type": "string", "examples": ["3 of 5 done"]},
                },
            },
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
            "checkin": {
                "type": "object",
                "required": ["during", "zone", "advice", "usual_pain", "morning"],
                "properties": {
                    "during": {"$ref": "#/components/schemas/CheckIn"},
                    "zone": _ZONE,
                    "advice": {"type": ["string", "null"]},
                    "usual_pain": _NULLABLE_PAIN,
                    "morning": {
                        "type": ["object", "null"],
                        "required": [
                            "session_date",
                            "due",
                            "usual_pain",
                            "answer",
                            "zone",
                            "advice",
                        ],
                        "properties": {
                            "session_date": _DATE,
                            "due": {"type": "boolean"},
                            "usual_pain": _NULLABLE_PAIN,
                            "answer": {"$ref": "#/components/schemas/CheckIn"},
                            "zone": _ZONE,
                            "advice": {"type": ["string", "null"]},
                        },
                    },
                },
            },
        },
    },
    "TickEvent": {
        "type": "object",
        "required": ["id", "type", "client_time", "local_date", "line_id"],
        "properties": {
            **_EVENT_BASE,
            "type": {"const": "tick"},
            **_UNIT_FIELDS,
            "pain": {**_PAIN, "description": "Optional pain during this exercise."},
            "sets_done": {"type": "integer", "minimum": 0, "description": "Default: all sets."},
        },
    },
    "UntickEvent": {
        "type": "object",
        "required": ["id", "type", "client_time", "local_date", "line_id"],
        "properties": {**_EVENT_BASE, "type": {"const": "untick"}, **_UNIT_FIELDS},
    },
    "SetsEvent": {
        "type": "object",
        "required": ["id", "type", "client_time", "local_date", "line_id", "sets_done"],
        "properties": {
            **_EVENT_BASE,
            "type": {"const": "sets"},
            **_UNIT_FIELDS,
            "sets_done": {
                "type": "integer",
                "minimum": 0,
                "description": "Sets counted so far; the unit is done at the prescribed sets.",
            },
            "pain": _PAIN,
        },
    },
    "CheckInEvent": {
        "type": "object",
        "required": ["id", "type", "client_time", "kind", "pain"],
        "properties": {
            **_EVENT_BASE,
            "type": {"const": "checkin"},
            "kind": {"type": "string", "enum": list(CHECKIN_KINDS)},
            "session_date": {
                **_DATE,
                "description": "The exercise day it is about. Required for 'during' (or "
                "give local_date); for 'morning' it defaults to the day before local_date.",
            },
            "local_date": {**_DATE, "description": "The patient-local day it was entered."},
            "pain": _PAIN,
            "note": {"type": "string", "maxLength": NOTE_MAX_CHARS},
        },
    },
    "Event": {
        "oneOf": [
            {"$ref": "#/components/schemas/TickEvent"},
            {"$ref": "#/components/schemas/UntickEvent"},
            {"$ref": "#/components/schemas/SetsEvent"},
            {"$ref": "#/components/schemas/CheckInEvent"},
        ],
        "discriminator": {"propertyName": "type"},
    },
    "SyncRequest": {
        "type": "object",
        "required": ["events"],
        "properties": {
            "events": {
                "type": "array",
                "maxItems": MAX_EVENTS_PER_BATCH,
                "items": {"$ref": "#/components/schemas/Event"},
            }
        },
    },
    "EventResult": {
        "type": "object",
        "required": ["id", "status"],
        "properties": {
            "id": {"type": ["string", "null"], "description": "The event's id as sent."},
            "status": {
                "type": "string",
                "enum": ["applied", "duplicate", "rejected", "superseded"],
                "description": "applied: stored; duplicate: this id was seen before, nothing "
                "changed; rejected: invalid, nothing stored (see errors); superseded: stored, "
                "but a change with a later client_time already won.",
            },
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
            "zone": {"type": "string", "enum": ["green", "amber", "red"]},
            "advice": {"type": "string"},
        },
    },
    "SyncResponse": {
        "type": "object",
        "required": ["results"],
        "properties": {
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/EventResult"}}
        },
    },
}


def _error(description: str) -> dict[str, object]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi_document() -> dict[str, object]:
    """Return the OpenAPI 3.1 document for /api/v1."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Stride patient API",
            "version": "1.0.0",
            "description": "Used by the patient's day page. Sign in with the session cookie; "
            "POST requests need the CSRF token (meta csrf-token) in the X-CSRFToken header.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
        "security": [{"session": []}],
        "paths": {
            "/today": {
                "get": {
                    "operationId": "getToday",
                    "summary": "What is due and done on the patient's day.",
                    "parameters": [
                        {
                            "name": "date",
                            "in": "query",
                            "required": False,
                            "description": "A patient-local day: today or up to 2 days back.",
                            "schema": _DATE,
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The day.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Today"}
                                }
                            },
                        },
                        "401": _error("Not signed in."),
                        "403": _error("Signed in, but not as a patient."),
                        "422": _error("The date is malformed, in the future or too far back."),
                    },
                }
            },
            "/sync": {
                "post": {
                    "operationId": "sync",
                    "summary": "Apply a batch of events; each event is handled on its own.",
                    "security": [{"session": [], "csrf": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SyncRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "One result per event, in the order sent.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SyncResponse"}
                                }
                            },
                        },
                        "400": _error("The CSRF header is missing or wrong."),
                        "401": _error("Not signed in."),
                        "403": _error("Signed in, but not as a patient."),
                        "413": _error(f"More than {MAX_EVENTS_PER_BATCH} events: nothing stored."),
                        "422": _error("The body is not JSON with an events list."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document."}},
                }
            },
        },
    }
