"""The 24-hour answer, reps per set and the weekly test task (issue 14 items 4, 6 and 7).

Each is an ordinary sync event (a morning check-in's `settled`, a tick's `reps_done`, a
`task` check-in), so it is recorded offline in the outbox and stored once by its UUID.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.extensions import db
from app.models import CheckIn, DaySummary, ExerciseLog, Flag, Suggestion, SyncEvent
from app.services import activity, data_rights
from app.services import programmes as programme_service
from app.services import suggestions as suggestion_service
from tests.factories import checkin, tick, worker_refreshes


def _sync(client, events):  # type: ignore[no-untyped-def]
    response = client.post_json("/api/v1/sync", {"events": events})
    assert response.status_code == 200, response.data[:300]
    worker_refreshes()  # the suggestions, as the worker refreshes them after a sync
    return response.json["results"]


def _rows(model, patient):  # type: ignore[no-untyped-def]
    return db.session.scalars(sa.select(model).where(model.patient_id == patient.id)).all()


def _at(patient, day, hour):  # type: ignore[no-untyped-def]
    """The UTC instant of a local hour on a patient-local day."""
    local = datetime.combine(day, time(hour), ZoneInfo(patient.timezone))
    return local.astimezone(UTC)


# --- The 24-hour rule ------------------------------------------------------------------------


def test_pain_not_settled_within_24_hours_makes_the_exercise_day_red_and_tells_the_physio(
    client, make, patient, today
):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    yesterday = today - timedelta(days=1)
    _sync(client, [tick(1, yesterday, pain=2)])
    [result] = _sync(client, [checkin("morning", yesterday, 2, settled=False)])
    assert (result["status"], result["zone"]) == ("applied", "red")
    [summary] = [s for s in _rows(DaySummary, patient) if s.local_date == yesterday]
    assert (summary.settled, summary.zone) == (False, "red")
    [flag] = _rows(Flag, patient)
    assert "not settled within 24 hours" in flag.message
    [regress] = [s for s in _rows(Suggestion, patient) if s.kind == "regress"]
    assert regress.rule == "regress_not_settled_24h" and regress.status == "pending"
    assert "had not settled within 24 hours" in regress.reason


def test_pain_settled_within_24_hours_keeps_a_green_day_green(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    yesterday = today - timedelta(days=1)
    _sync(client, [tick(1, yesterday, pain=2)])
    [result] = _sync(client, [checkin("morning", yesterday, 2, settled="yes")])
    assert result["zone"] == "green"
    [stored] = [c for c in _rows(CheckIn, patient) if c.kind == "morning"]
    assert stored.settled is True


def test_the_settled_answer_belongs_to_the_morning_check_in_only(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    [result] = _sync(client, [checkin("during", today, 2, settled=False)])
    assert result["status"] == "rejected"
    assert result["errors"] == {
        "settled": "Only the morning check-in asks whether the pain settled."
    }
    [maybe] = _sync(client, [checkin("morning", today - timedelta(days=1), 2, settled="perhaps")])
    assert maybe["errors"] == {"settled": "settled must be yes or no."}
    assert _rows(CheckIn, patient) == [] and _rows(SyncEvent, patient) == []


def test_the_morning_asks_whether_pain_settled_only_after_a_day_with_exercise(
    client, make, patient, today
):
    make.programme(patient, start=today - timedelta(days=14))
    quiet = activity.today_view(patient)
    assert quiet.morning is not None and not quiet.morning.asks_settled
    client.login_as(patient.user)
    _sync(client, [tick(1, today - timedelta(days=1))])
    view = activity.today_view(patient)
    assert view.morning is not None and view.morning.asks_settled
    html = client.get("/today").get_data(as_text=True)
    assert 'data-testid="settled-no"' in html and "(within 24 hours)?" in html


def test_without_javascript_the_settled_answer_posts_with_the_morning_form(
    client, make, patient, today
):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    yesterday = today - timedelta(days=1)
    _sync(client, [tick(1, yesterday)])
    form = {"type": "checkin", "kind": "morning", "session_date": yesterday.isoformat()}
    response = client.post_form("/today/events", {**form, "pain": "2", "settled": "no"})
    assert response.status_code == 303
    [stored] = [c for c in _rows(CheckIn, patient) if c.kind == "morning"]
    assert stored.settled is False


def test_the_morning_questions_fit_the_hour_and_a_day_filled_in_later(make, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    morning = activity.today_view(patient, now=_at(patient, today, 8)).morning
    evening = activity.today_view(patient, now=_at(patient, today, 20)).morning
    assert morning is not None and evening is not None
    assert morning.words.heading == "How is your pain this morning compared with usual?"
    assert evening.words.heading == "How was your pain this morning compared with usual?"
    past = activity.today_view(patient, today - timedelta(days=1), now=_at(patient, today, 8))
    assert past.morning is not None
    assert past.morning.words.heading == "How was your pain that morning compared with usual?"
    assert past.morning.words.settled.startswith("By that morning")


# --- Reps per set ----------------------------------------------------------------------------


def test_reps_per_set_go_with_the_tick_and_a_resend_is_stored_once(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    event = tick(1, today, reps_done=[12, 11, 0])
    assert _sync(client, [event])[0]["status"] == "applied"
    assert _sync(client, [event])[0]["status"] == "duplicate"
    [log] = _rows(ExerciseLog, patient)
    assert (log.done, log.reps_done, log.sets_done) == (True, [12, 11, 0], 2)
    [stored] = _rows(SyncEvent, patient)
    assert stored.payload["reps_done"] == [12, 11, 0]
    unit = client.get("/api/v1/today").json["items"][0]["units"][0]
    assert unit["reps_done"] == [12, 11, 0]


def test_a_plain_tick_means_as_prescribed_and_an_untick_clears_the_reps(
    client, make, patient, today
):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    later = datetime.now(UTC) + timedelta(seconds=1)
    _sync(client, [tick(1, today, reps_done=[12, 12, 12])])
    _sync(client, [tick(1, today, client_time=later.isoformat())])
    [log] = _rows(ExerciseLog, patient)
    assert (log.done, log.reps_done, log.sets_done) == (True, None, 3)


def test_reps_that_do_not_fit_the_dose_are_refused_and_store_nothing(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    results = _sync(
        client,
        [
            tick(1, today, reps_done=[12, 12]),
            tick(1, today, reps_done=[12, 12, 101]),
            tick(1, today, reps_done="lots"),
        ],
    )
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert results[0]["errors"] == {
        "reps_done": "Give the reps of each of the 3 sets (0 for a set not done)."
    }
    assert "0 to 100" in results[1]["errors"]["reps_done"]
    assert _rows(ExerciseLog, patient) == [] and _rows(SyncEvent, patient) == []


def test_reps_are_refused_for_an_exercise_counted_in_time(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=14), hold_seconds=30)
    client.login_as(patient.user)
    [result] = _sync(client, [tick(1, today, reps_done=[10, 10, 10])])
    assert result["errors"] == {
        "reps_done": "This exercise is counted in time, not reps: tick it instead."
    }
    html = client.get("/today").get_data(as_text=True)
    assert "data-reps" not in html  # no reps entry for a hold


def test_without_javascript_the_reps_form_posts_one_field_per_set(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    html = client.get("/today").get_data(as_text=True)
    assert html.count('name="reps_done"') == 3 and 'data-testid="reps-save-1-1-both"' in html
    fields = {"type": "tick", "line_id": "1", "session": "1", "side": "both"}
    response = client.post_form(
        "/today/events",
        {**fields, "local_date": today.isoformat(), "reps_done": ["12", "12", "13"]},
    )
    assert response.status_code == 303
    [log] = _rows(ExerciseLog, patient)
    assert log.reps_done == [12, 12, 13]


def test_two_sessions_in_a_row_beating_the_target_by_2_suggest_more(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=2))
    client.login_as(patient.user)
    for days_ago in (2, 1):
        day = today - timedelta(days=days_ago)
        _sync(client, [tick(1, day, pain=1, reps_done=[12, 12, 12])])
    pending = [s for s in _rows(Suggestion, patient) if s.status == "pending"]
    assert [s.rule for s in pending] == ["progress_two_for_two"]
    assert "beat its 10-rep target by 2 or more in each of the last 2 sessions" in pending[0].reason
    assert pending[0].numbers["target_reps"] == 10


def test_todays_reps_count_once_in_even_without_pain(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=1))
    client.login_as(patient.user)
    _sync(client, [tick(1, today - timedelta(days=1), pain=1, reps_done=[12, 12, 12])])
    assert not [s for s in _rows(Suggestion, patient) if s.rule == "progress_two_for_two"]
    _sync(client, [tick(1, today, reps_done=[12, 12, 12])])  # no pain given: still read
    pending = [s for s in _rows(Suggestion, patient) if s.status == "pending"]
    assert [s.rule for s in pending] == ["progress_two_for_two"]


# --- The test task ---------------------------------------------------------------------------


def test_the_physio_chooses_a_test_task_per_phase_on_the_programme_page(
    client, make, physio, patient, today
):
    programme = make.programme(patient, start=today - timedelta(days=14))
    client.login_as(physio)
    url = f"/patients/{patient.id}/programmes/{programme.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'list="test-task-choices"' in page and "Single-leg stance, 30 s" in page
    response = client.post_form(
        f"{url}/phases/0/test-task", {"test_task": " Single-leg  stance, 30 s "}
    )
    assert response.status_code == 302
    db.session.refresh(programme)
    assert programme.phases[0].test_task == "Single-leg stance, 30 s"
    assert programme.has_test_tasks
    assert "Test task: <strong>Single-leg stance, 30 s</strong>" in client.get(url).get_data(
        as_text=True
    )


def test_a_test_task_too_long_is_refused_with_a_message_and_stores_nothing(
    client, make, physio, patient, today
):
    programme = make.programme(patient, start=today - timedelta(days=14))
    client.login_as(physio)
    url = f"/patients/{patient.id}/programmes/{programme.id}/phases/0/test-task"
    response = client.post_form(url, {"test_task": "x" * 121}, follow_redirects=True)
    assert "Keep the test task to 120 characters or fewer." in response.get_data(as_text=True)
    db.session.refresh(programme)
    assert programme.phases[0].test_task == "" and not programme.has_test_tasks
    missing = client.post_form(url.replace("/phases/0/", "/phases/5/"), {"test_task": "Hop"})
    assert missing.status_code == 302  # back to the programme with the message
    db.session.refresh(programme)
    assert not programme.has_test_tasks


def _with_task(physio, programme):  # type: ignore[no-untyped-def]
    programme_service.set_test_task(physio, programme, 0, "Single-leg stance, 30 s")
    db.session.flush()


def test_the_weekly_test_task_is_asked_until_rated_then_waits_a_week(
    client, make, physio, patient, today
):
    programme = make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    assert "checkin-task" not in client.get("/today").get_data(as_text=True)  # none chosen
    _with_task(physio, programme)
    html = client.get("/today").get_data(as_text=True)
    assert "Weekly check: Single-leg stance, 30 s" in html
    [result] = _sync(client, [checkin("task", today, 2)])
    assert result["status"] == "applied"
    [rating] = [c for c in _rows(CheckIn, patient) if c.kind == "task"]
    assert (rating.pain, rating.test_task) == (2, "Single-leg stance, 30 s")
    view = activity.today_view(patient, today)
    assert view.test_task is not None and view.test_task.answer is not None
    tomorrow = activity.today_view(patient, now=_at(patient, today + timedelta(days=1), 9))
    assert tomorrow.test_task is not None and not tomorrow.test_task.due
    week_on = activity.today_view(patient, now=_at(patient, today + timedelta(days=7), 9))
    assert week_on.test_task is not None and week_on.test_task.due
    assert week_on.test_task.last_pain == 2


def test_a_test_task_rating_without_a_chosen_task_is_refused(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    [result] = _sync(client, [checkin("task", today, 2)])
    assert result["errors"] == {
        "kind": "Your physio has not set a test task for this phase of your plan."
    }
    assert _rows(CheckIn, patient) == []


def test_phase_readiness_reads_the_latest_rating_of_the_phases_test_task(
    client, make, physio, patient, today
):
    programme = make.programme(patient, start=today - timedelta(days=14))
    _with_task(physio, programme)
    client.login_as(patient.user)
    _sync(client, [checkin("task", today - timedelta(days=1), 4), checkin("task", today, 2)])
    version = programme.current_version
    phase = suggestion_service._phase_state(programme, version, patient.id)
    assert phase is None  # one phase: nothing to move on to, so nothing is read
    programme.phases.append(type(programme.phases[0])(position=1, name="Phase 2"))
    db.session.flush()
    phase = suggestion_service._phase_state(programme, version, patient.id)
    assert phase is not None
    assert (phase.test_task, phase.test_task_pain) == ("Single-leg stance, 30 s", 2)


# --- What the physio sees, and the patient's own data ----------------------------------------


def _answer_all_three(client, make, physio, patient, today, *, settled):  # type: ignore[no-untyped-def]
    """Yesterday's reps, this morning's answers about it, and today's test task rating."""
    programme = make.programme(patient, start=today - timedelta(days=14))
    _with_task(physio, programme)
    yesterday = today - timedelta(days=1)
    client.login_as(patient.user)
    _sync(
        client,
        [
            tick(1, yesterday, reps_done=[12, 11, 10]),
            checkin("morning", yesterday, 3, settled=settled),
            checkin("task", today, 2),
        ],
    )


def test_the_physio_sees_the_24_hour_answer_reps_and_test_task_ratings_on_the_patient_page(
    client, make, physio, patient, today
):
    _answer_all_three(client, make, physio, patient, today, settled=False)
    page = client.login_as(physio).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Pain 3/10 next morning; not settled within 24 hours" in page
    assert ": reps per set 12, 11, 10" in page
    assert "Test task (Single-leg stance, 30 s): pain 2/10" in page


def test_the_patients_download_holds_the_new_answers(client, make, physio, patient, today):
    _answer_all_three(client, make, physio, patient, today, settled=True)
    data = data_rights.export_patient(patient)
    assert [log["reps_done"] for log in data["exercise_logs"]] == [[12, 11, 10]]
    by_kind = {c["kind"]: c for c in data["check_ins"]}
    assert by_kind["morning"]["settled"] is True
    assert by_kind["task"]["test_task"] == "Single-leg stance, 30 s"
    assert data["programme_phases"][0]["test_task"] == "Single-leg stance, 30 s"
    assert {e["kind"] for e in data["sync_events"]} == {"tick", "checkin"}
