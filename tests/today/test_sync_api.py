"""POST /api/v1/sync: idempotent, per-event validation, last writer wins, never leaks."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.domain.events import parse_event
from app.extensions import db
from app.models import CheckIn, DaySummary, ExerciseLog, SyncEvent
from app.services import activity
from tests.factories import checkin, tick


def _logs(patient):
    return db.session.scalars(
        sa.select(ExerciseLog).where(ExerciseLog.patient_id == patient.id)
    ).all()


def _count(model, patient) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(model.patient_id == patient.id)
    )


def _sync(client, events):
    return client.post_json("/api/v1/sync", {"events": events})


def _programme(make, patient, today, **kwargs):
    return make.programme(
        patient, kwargs.pop("exercises", None), start=today - timedelta(days=14), **kwargs
    )


def test_a_tick_is_stored_with_the_prescription_in_force(client, make, patient, today):
    programme = _programme(make, patient, today)
    client.login_as(patient.user)
    response = _sync(client, [tick(1, today, pain=2)])
    assert response.status_code == 200
    assert response.json["results"][0]["status"] == "applied"
    [log] = _logs(patient)
    assert log.done and log.pain == 2 and log.sets_done == 3
    assert log.prescription_id == programme.current_version.prescriptions[0].id
    summary = db.session.scalar(sa.select(DaySummary).where(DaySummary.patient_id == patient.id))
    assert (summary.due_units, summary.done_units, summary.max_exercise_pain) == (1, 1, 2)
    assert summary.logged


def test_the_same_event_twice_is_stored_once_and_answered_duplicate(client, make, patient, today):
    _programme(make, patient, today)
    client.login_as(patient.user)
    event = tick(1, today)
    first = _sync(client, [event])
    second = _sync(client, [event])
    assert first.json["results"] == [{"id": event["id"], "status": "applied"}]
    assert second.json["results"] == [{"id": event["id"], "status": "duplicate"}]
    assert _count(SyncEvent, patient) == 1
    assert len(_logs(patient)) == 1


def test_a_replayed_batch_changes_nothing(client, make, patient, today):
    _programme(make, patient, today, exercises=[make.exercise(), make.exercise()])
    client.login_as(patient.user)
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    batch = [
        tick(1, today, client_time=t0.isoformat()),
        tick(2, today, client_time=(t0 + timedelta(minutes=1)).isoformat()),
        tick(1, today, type="untick", client_time=(t0 + timedelta(minutes=2)).isoformat()),
        checkin("during", today, 3),
    ]
    assert [r["status"] for r in _sync(client, batch).json["results"]] == ["applied"] * 4
    replay = _sync(client, batch + batch)
    assert [r["status"] for r in replay.json["results"]] == ["duplicate"] * 8
    assert {(log.line_id, log.done) for log in _logs(patient)} == {(1, False), (2, True)}
    assert _count(SyncEvent, patient) == 4
    assert db.session.scalar(sa.select(CheckIn.edits).where(CheckIn.patient_id == patient.id)) == 0


def test_an_older_untick_does_not_undo_a_newer_tick(client, make, patient, today):
    _programme(make, patient, today)
    client.login_as(patient.user)
    now = datetime.now(UTC)
    newer_tick = tick(1, today, client_time=now.isoformat())
    older_untick = tick(
        1, today, type="untick", client_time=(now - timedelta(minutes=5)).isoformat()
    )
    _sync(client, [newer_tick])
    response = _sync(client, [older_untick])
    assert response.json["results"][0]["status"] == "superseded"
    assert _logs(patient)[0].done
    # Kept as received, so a resend is a duplicate rather than a second try.
    assert _count(SyncEvent, patient) == 2


def test_reordered_events_settle_the_same_way(client, make, patient, today):
    _programme(make, patient, today)
    client.login_as(patient.user)
    now = datetime.now(UTC)
    events = [
        tick(1, today, client_time=(now - timedelta(minutes=3)).isoformat()),
        tick(1, today, type="untick", client_time=(now - timedelta(minutes=2)).isoformat()),
        tick(
            1, today, type="sets", sets_done=2, client_time=(now - timedelta(minutes=1)).isoformat()
        ),
    ]
    _sync(client, list(reversed(events)))
    [log] = _logs(patient)
    assert (log.done, log.sets_done) == (False, 2)


def test_counting_sets_marks_done_at_the_prescribed_number(client, make, patient, today):
    _programme(make, patient, today, sets=3)
    client.login_as(patient.user)
    _sync(client, [tick(1, today, type="sets", sets_done=2)])
    assert not _logs(patient)[0].done
    _sync(client, [tick(1, today, type="sets", sets_done=3)])
    assert _logs(patient)[0].done
    response = _sync(client, [tick(1, today, type="sets", sets_done=4)])
    assert response.json["results"][0]["errors"] == {"sets_done": "sets_done must be from 0 to 3."}


def test_each_side_exercises_tick_left_and_right_separately(client, make, patient, today):
    _programme(make, patient, today, side="each")
    client.login_as(patient.user)
    results = _sync(client, [tick(1, today, side="left"), tick(1, today, side="both")]).json[
        "results"
    ]
    assert results[0]["status"] == "applied"
    assert results[1]["status"] == "rejected" and "side" in results[1]["errors"]
    summary = db.session.scalar(sa.select(DaySummary).where(DaySummary.patient_id == patient.id))
    assert (summary.done_units, summary.due_units) == (1, 2)


def _rejected(client, event):
    response = _sync(client, [event])
    assert response.status_code == 200
    [result] = response.json["results"]
    assert result["status"] == "rejected", result
    return result["errors"]


def test_bad_events_are_rejected_with_field_messages_and_store_nothing(
    client, make, physio, patient, today
):
    _programme(make, patient, today)
    other = make.patient(physio)
    other_programme = make.programme(
        other, [make.exercise(), make.exercise(), make.exercise()], start=today - timedelta(days=3)
    )
    client.login_as(patient.user)
    assert "pain" in _rejected(client, tick(1, today, pain=11))
    assert "pain" in _rejected(client, tick(1, today, pain=-1))
    assert "pain" in _rejected(client, checkin("during", today, 11))
    assert "future" in _rejected(client, tick(1, today + timedelta(days=1)))["local_date"]
    assert "2 days back" in _rejected(client, tick(1, today - timedelta(days=3)))["local_date"]
    assert "id" in _rejected(client, tick(1, today, id="not-a-uuid"))
    assert "client_time" in _rejected(client, tick(1, today, client_time="yesterday"))
    assert "client_time" in _rejected(client, tick(1, today, client_time="2026-11-03T07:15:00"))
    assert "type" in _rejected(client, tick(1, today, type="dance"))
    # Another patient's line or prescription is simply "not due": no hint that it exists.
    other_line = _rejected(client, tick(3, today))
    assert other_line == {"line_id": "That exercise is not due on that day."}
    other_prescription = other_programme.current_version.prescriptions[0].id
    assert _rejected(client, tick(1, today, prescription_id=other_prescription)) == {
        "prescription_id": "That exercise is not due on that day."
    }
    assert _count(SyncEvent, patient) == 0
    assert _count(ExerciseLog, patient) == 0
    assert _count(CheckIn, patient) == 0
    assert _count(DaySummary, patient) == 0


def test_a_tick_on_a_day_without_that_exercise_is_rejected(client, make, patient, today):
    not_today = 1 << ((today.weekday() + 1) % 7)
    _programme(make, patient, today, days_of_week=not_today)
    client.login_as(patient.user)
    assert _rejected(client, tick(1, today)) == {"line_id": "That exercise is not due on that day."}


def test_the_rest_of_a_batch_is_applied_when_one_event_is_rejected(client, make, patient, today):
    _programme(make, patient, today, exercises=[make.exercise(), make.exercise()])
    client.login_as(patient.user)
    batch = [
        tick(1, today),
        tick(2, today, pain=11),
        tick(2, today - timedelta(days=1)),
        "nonsense",
    ]
    results = _sync(client, batch).json["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "rejected"]
    assert results[3] == {
        "id": None,
        "status": "rejected",
        "errors": {"event": "Each event must be an object."},
    }
    assert {(log.local_date, log.line_id) for log in _logs(patient)} == {
        (today, 1),
        (today - timedelta(days=1), 2),
    }
    assert _count(SyncEvent, patient) == 2


def test_ten_thousand_events_are_refused_whole_and_nothing_is_stored(client, make, patient, today):
    _programme(make, patient, today)
    client.login_as(patient.user)
    response = _sync(client, [tick(1, today) for _ in range(10_000)])
    assert response.status_code == 413
    assert "at most 200" in response.json["error"]
    response = _sync(client, [tick(1, today) for _ in range(201)])
    assert response.status_code == 413
    assert _count(SyncEvent, patient) == 0 and _count(ExerciseLog, patient) == 0


def test_a_body_that_is_not_an_events_list_is_422(client, patient):
    client.login_as(patient.user)
    for body in ({"events": "tick"}, [], {"nope": []}):
        response = client.post_json("/api/v1/sync", body)
        assert response.status_code == 422
        assert response.json["errors"]["events"]
    response = client.post(
        "/api/v1/sync",
        data="{not json",
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 422


def test_anonymous_gets_json_401(client):
    response = client.post("/api/v1/sync", json={"events": []})
    # CSRF is checked before the view: without a session token that is a 400, with one a 401.
    assert response.status_code in (400, 401)
    assert response.is_json
    response = client.get("/api/v1/today")
    assert response.status_code == 401
    assert response.json == {"error": "Please log in."}


def test_staff_get_json_403_on_the_patient_api(client, physio):
    client.login_as(physio)
    assert client.get("/api/v1/today").status_code == 403
    response = client.post_json("/api/v1/sync", {"events": []})
    assert response.status_code == 403
    assert response.json["error"]


def test_sync_needs_the_csrf_header(client, make, patient, today):
    _programme(make, patient, today)
    client.login_as(patient.user)
    client.csrf_token()  # the session has a token; the request just does not send it
    response = client.post("/api/v1/sync", json={"events": [tick(1, today)]})
    assert response.status_code in (400, 403)
    assert response.is_json
    assert _count(SyncEvent, patient) == 0


def test_an_event_id_used_by_another_patient_is_rejected(client, make, physio, patient, today):
    other = make.patient(physio)
    make.programme(other, start=today - timedelta(days=3))
    _programme(make, patient, today)
    event = tick(1, today)
    client.login_as(other.user)
    assert _sync(client, [event]).json["results"][0]["status"] == "applied"
    client.login_as(patient.user)
    assert _rejected(client, event) == {
        "id": "That id is already used. Make a new UUID for each event."
    }


def test_a_phone_clock_ahead_cannot_pin_a_tick(client, make, patient, today):
    _programme(make, patient, today)
    client.login_as(patient.user)
    far_future = (datetime.now(UTC) + timedelta(days=300)).isoformat()
    _sync(client, [tick(1, today, client_time=far_future)])
    _sync(client, [tick(1, today, type="untick")])
    assert not _logs(patient)[0].done


def test_sync_query_count_does_not_grow_with_the_batch(
    client, make, patient, today, query_counter, monkeypatch
):
    # What the suggestions hook costs is measured by its own tests.
    monkeypatch.setattr(activity, "on_days_changed", lambda patient, dates: None)
    _programme(make, patient, today, exercises=[make.exercise() for _ in range(10)], sets=5)
    client.login_as(patient.user)
    small = [tick(1, today), checkin("during", today, 2)]
    large = [tick(line, day) for line in range(1, 11) for day in (today, today - timedelta(days=1))]
    large += [tick(line, today, type="sets", sets_done=2) for line in range(1, 11)]
    large += [tick(line, today - timedelta(days=2)) for line in range(1, 10)]
    large += [tick(line, today - timedelta(days=1), type="untick") for line in range(1, 11)]
    large += [checkin("during", today - timedelta(days=1), 2)]
    assert len(large) == 50
    with query_counter() as few:
        _sync(client, small)
    with query_counter() as many:
        _sync(client, large)
    assert len(many) <= len(few) + 2, many


def test_a_sync_that_read_before_a_newer_tick_was_stored_does_not_overwrite_it(
    client, make, patient, today, monkeypatch
):
    """Two phones of one patient syncing at once: each read the day before the other wrote.

    The later request's older untick looks applied to it, but the database keeps the tick
    with the newer client time (last writer wins in the write itself, not only in Python).
    """
    _programme(make, patient, today)
    client.login_as(patient.user)
    now = datetime.now(UTC)
    _sync(client, [tick(1, today, client_time=now.isoformat())])
    monkeypatch.setattr(activity, "_read_days", lambda *args: ({}, {}))  # read before it
    older_untick = tick(
        1, today, type="untick", client_time=(now - timedelta(minutes=5)).isoformat()
    )
    event = parse_event(older_untick)
    activity.apply_events(patient, [event])
    db.session.expire_all()
    [log] = _logs(patient)
    assert log.done and log.client_time > now - timedelta(minutes=1)
