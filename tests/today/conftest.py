"""Helpers for the patient-day tests: events and a fixed clock."""

import uuid
from datetime import UTC, date, datetime

import pytest

from app.domain.localtime import local_today


def new_id() -> str:
    return str(uuid.uuid4())


def tick(line_id: int, day: date, *, side: str = "both", session: int = 1, **extra):  # type: ignore[no-untyped-def]
    """A tick event as the page's script sends it."""
    return {
        "id": extra.pop("id", new_id()),
        "type": extra.pop("type", "tick"),
        "client_time": extra.pop("client_time", datetime.now(UTC).isoformat()),
        "local_date": day.isoformat(),
        "line_id": line_id,
        "session": session,
        "side": side,
        **extra,
    }


def checkin(kind: str, session_date: date, pain: int, **extra):  # type: ignore[no-untyped-def]
    return {
        "id": extra.pop("id", new_id()),
        "type": "checkin",
        "client_time": extra.pop("client_time", datetime.now(UTC).isoformat()),
        "kind": kind,
        "session_date": session_date.isoformat(),
        "pain": pain,
        **extra,
    }


@pytest.fixture
def today(patient) -> date:  # type: ignore[no-untyped-def]
    """The test patient's local today (by the real clock, as the views use it)."""
    return local_today(patient.timezone)
