"""Work after the answer: the sync queues the suggestion refresh for the worker (which runs it
once, and keeps a failure to itself); deferred work runs once the response is closed."""

import logging
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import deferred, worker
from app.domain.localtime import local_today, utcnow
from app.extensions import db
from app.models import ExerciseLog, Suggestion, SuggestionRefresh
from app.services import suggestions
from tests.factories import checkin, committed_patient, tick

NOTE = "my left knee gave way at the bus stop"


def _plan(make, patient):  # type: ignore[no-untyped-def]
    today = local_today(patient.timezone)
    make.programme(patient, [make.exercise()], start=today - timedelta(days=14))
    return today


def test_outside_a_request_deferred_work_runs_at_once():
    calls = []
    deferred.defer(calls.append, 1)
    assert calls == [1]


def _queued(patient_id: int) -> bool:
    found = db.session.get(SuggestionRefresh, patient_id, populate_existing=True)
    return found is not None


def test_the_sync_queues_the_refresh_and_the_worker_runs_it_once(
    client, make, patient, monkeypatch
):  # type: ignore[no-untyped-def]
    today = _plan(make, patient)
    calls = []
    monkeypatch.setattr(suggestions, "refresh_for_patient", lambda p: calls.append(p.id))
    client.login_as(patient.user)
    for n in (1, 2):  # two syncs before the worker runs: one refresh
        events = {"events": [tick(1, today, pain=2 + n)]}
        assert client.post_json("/api/v1/sync", events).status_code == 200
    assert calls == [] and _queued(patient.id)  # answered without waiting for the refresh
    assert suggestions.run_due(utcnow()) == {"suggestion_refreshes": 1}
    assert calls == [patient.id] and not _queued(patient.id)
    assert suggestions.run_due(utcnow()) == {"suggestion_refreshes": 0}  # done once


def test_the_worker_refreshes_the_suggestions_a_red_day_calls_for(client, make, patient):  # type: ignore[no-untyped-def]
    today = _plan(make, patient)
    client.login_as(patient.user)
    events = [tick(1, today, pain=8), checkin("during", today, 8)]
    assert client.post_json("/api/v1/sync", {"events": events}).status_code == 200
    pending = sa.select(Suggestion).where(Suggestion.patient_id == patient.id)
    assert db.session.scalars(pending).all() == []
    suggestions.run_due(utcnow())
    assert "regress" in {row.kind for row in db.session.scalars(pending)}


def test_a_failing_refresh_never_breaks_the_sync_and_logs_no_health_data(
    client, make, patient, monkeypatch, caplog
):  # type: ignore[no-untyped-def]
    today = _plan(make, patient)

    def fail(patient) -> None:  # type: ignore[no-untyped-def]
        # A database error's message quotes its parameters, here a patient's words.
        db.session.execute(sa.text("SELECT * FROM no_such_table WHERE note = :n"), {"n": NOTE})

    monkeypatch.setattr(suggestions, "refresh_for_patient", fail)
    # Alembic's fileConfig (the migrations run in this process) disables existing loggers.
    monkeypatch.setattr(suggestions.logger, "disabled", False)
    client.login_as(patient.user)
    response = client.post_json(
        "/api/v1/sync", {"events": [tick(1, today, pain=9), checkin("during", today, 9)]}
    )
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == ["applied", "applied"]
    with caplog.at_level(logging.ERROR, logger="app.services.suggestions"):
        assert suggestions.run_due(utcnow()) == {"suggestion_refreshes": 0, "errors": 1}
    log = db.session.scalar(sa.select(ExerciseLog).where(ExerciseLog.patient_id == patient.id))
    assert log is not None and log.done and log.pain == 9  # the tick is kept
    assert _queued(patient.id)  # the claim was rolled back: the next run tries again
    [record] = caplog.records
    message = record.getMessage()
    assert "suggestion refresh failed with " in message and "Error" in message  # what, where
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
def test_a_batch_queues_a_refresh_only_when_the_rules_may_see_it(
    stored, sent, refreshes, client, make, patient
):  # type: ignore[no-untyped-def]
    today = _plan(make, patient)
    client.login_as(patient.user)
    for batch in (stored, sent):
        events = [_event(today, *spec) for spec in batch]
        if events:
            assert client.post_json("/api/v1/sync", {"events": events}).status_code == 200
        if batch is stored:
            db.session.execute(sa.delete(SuggestionRefresh))  # as if the worker had run
    assert _queued(patient.id) is refreshes


@pytest.fixture
def committed_queued(app):  # type: ignore[no-untyped-def]
    """A patient with two weeks of ticks and a queued refresh, committed for other connections."""

    def queued(make, patient, exercise) -> int:  # type: ignore[no-untyped-def]
        today = local_today(patient.timezone)
        make.programme(patient, [exercise], start=today - timedelta(days=14))
        make.days(patient, today - timedelta(days=14), today - timedelta(days=1), ticks=True)
        suggestions.queue_refresh(patient.id)
        return patient.id

    yield from committed_patient(app, "Refresh race clinic", queued)


def test_two_workers_started_at_once_refresh_a_queued_patient_once(app, committed_queued):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def one_worker() -> None:
        barrier.wait()
        results.append(worker.run_once(app))

    threads = [threading.Thread(target=one_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 2 and not any(r.get("errors") for r in results), results
    assert sum(r["suggestion_refreshes"] for r in results) == 1
    with app.app_context():
        assert db.session.get(SuggestionRefresh, committed_queued) is None
