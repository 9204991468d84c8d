"""Deferred work: the sync answers first, then refreshes suggestions; a failure stays out of it."""

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import has_request_context

from app import deferred
from app.domain.localtime import local_today
from app.extensions import db
from app.models import ExerciseLog
from app.services import suggestions
from tests.factories import checkin, tick

NOTE = "my left knee gave way at the bus stop"


def _plan(make, patient):  # type: ignore[no-untyped-def]
    today = local_today(patient.timezone)
    make.programme(patient, [make.exercise()], start=today - timedelta(days=14))
    return today


def test_outside_a_request_deferred_work_runs_at_once():
    calls = []
    deferred.defer(calls.append, 1)
    assert calls == [1]


def test_sync_refreshes_suggestions_after_its_response_is_closed(
    client, make, patient, monkeypatch
):  # type: ignore[no-untyped-def]
    today = _plan(make, patient)
    calls = []
    monkeypatch.setattr(
        suggestions, "refresh_patient", lambda pid: calls.append((pid, has_request_context()))
    )
    client.login_as(patient.user)
    response = client.post_json("/api/v1/sync", {"events": [tick(1, today)]}, buffered=False)
    assert response.status_code == 200
    assert calls == []  # answered before the refresh ran
    response.close()  # what the server does once the response is sent
    assert calls == [(patient.id, False)]  # outside the request, in its own app context


def test_a_failing_refresh_never_breaks_the_sync_and_logs_no_health_data(
    client, make, patient, monkeypatch, caplog
):  # type: ignore[no-untyped-def]
    today = _plan(make, patient)

    def fail(patient_id: int) -> None:
        # A database error's message quotes its parameters, here a patient's words.
        db.session.execute(sa.text("SELECT * FROM no_such_table WHERE note = :n"), {"n": NOTE})

    monkeypatch.setattr(suggestions, "refresh_patient", fail)
    # Alembic's fileConfig (the migrations run in this process) disables existing loggers.
    monkeypatch.setattr(deferred.logger, "disabled", False)
    client.login_as(patient.user)
    with caplog.at_level(logging.ERROR, logger="app.deferred"):
        response = client.post_json(
            "/api/v1/sync", {"events": [tick(1, today, pain=9), checkin("during", today, 9)]}
        )
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["applied", "applied"]
    log = db.session.scalar(sa.select(ExerciseLog).where(ExerciseLog.patient_id == patient.id))
    assert log is not None and log.done and log.pain == 9  # the tick is kept
    [record] = caplog.records
    message = record.getMessage()
    assert "<locals>.fail failed with " in message and "Error" in message  # what and where
    assert NOTE not in message


YESTERDAY = -1
SAME_ID = "6f1d2c3e-5a4b-4c3d-8e2f-000000000001"
# (events stored first, the batch sent next, does that batch refresh the suggestions?)
# Days are offsets from today. What the rules read of today is its pains and whether anything
# was logged: a later tick of today without pain cannot change a suggestion.
REFRESH_CASES = {
    "first-tick-of-today": ([], [("tick", 0)], True),
    "another-painless-tick-of-today": ([("tick", 0)], [("tick", 0)], False),
    "a-tick-of-today-with-pain": ([("tick", 0)], [("tick", 0, 4)], True),
    "a-check-in-about-today": ([("tick", 0)], [("during", 0)], True),
    "a-catch-up-tick-of-yesterday": ([("tick", 0)], [("tick", YESTERDAY)], True),
    "untick-of-the-only-tick-today": ([("tick", 0)], [("untick", 0)], True),
    "a-repeated-event": ([("tick", 0, None, SAME_ID)], [("tick", 0, None, SAME_ID)], False),
}


def _event(today, kind, offset, pain=None, event_id=None):  # type: ignore[no-untyped-def]
    day = today + timedelta(days=offset)
    extra = {} if event_id is None else {"id": event_id}
    if kind == "during":
        return checkin("during", day, 3, **extra)
    if pain is not None:
        extra["pain"] = pain
    return tick(1, day, type=kind, **extra)


@pytest.mark.parametrize(
    "stored, sent, refreshes", REFRESH_CASES.values(), ids=REFRESH_CASES.keys()
)
def test_a_batch_refreshes_suggestions_only_when_the_rules_may_see_it(
    stored, sent, refreshes, client, make, patient, monkeypatch
):  # type: ignore[no-untyped-def]
    today = _plan(make, patient)
    calls = []
    monkeypatch.setattr(suggestions, "refresh_patient", calls.append)
    client.login_as(patient.user)
    for batch in (stored, sent):
        events = [_event(today, *spec) for spec in batch]
        if events:
            assert client.post_json("/api/v1/sync", {"events": events}).status_code == 200
        if batch is stored:
            calls.clear()
    assert calls == ([patient.id] if refreshes else [])
