"""Outcome questionnaires end to end: scheduling, answering (form and sync), results, CLI."""

import json
from datetime import date, timedelta

import plotly.graph_objects as go
import pytest
import sqlalchemy as sa
import yaml

from app.domain.localtime import local_today
from app.models import OutcomeInstrument, OutcomeMeasure, OutcomeSchedule, Role, SyncEvent
from app.services import data_rights, outcomes
from tests.factories import outcome, outcome_measure

LEFS_MID = [2] * 20  # total 40


@pytest.fixture
def today(patient) -> date:
    return local_today(patient.timezone)


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _sync(client, *events):
    response = client.post_json("/api/v1/sync", {"events": list(events)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


# --- Scheduling -------------------------------------------------------------------------------


def test_physio_schedules_a_baseline_that_repeats_and_it_shows_on_the_patient_today(
    client, db, physio, patient, today
):
    client.login_as(physio)
    response = client.post_form(
        f"/patients/{patient.id}/outcomes/schedule",
        {
            "schedule-instrument": "lefs",
            "schedule-first_due": today.isoformat(),
            "schedule-every_weeks": "4",
        },
    )
    assert response.status_code == 303
    [measure] = db.session.scalars(sa.select(OutcomeMeasure)).all()
    assert (measure.instrument, measure.reason, measure.due_on) == ("lefs", "baseline", today)
    assert patient.outcome_due_on == today

    client.login_as(patient.user)
    page = client.get("/today").get_data(as_text=True)
    assert 'data-testid="outcome-due"' in page
    listing = client.get("/outcomes").get_data(as_text=True)
    assert f"/outcomes/{measure.id}" in listing


def test_a_bad_repeat_interval_is_refused_by_its_field_and_nothing_is_scheduled(
    client, db, physio, patient, today
):
    client.login_as(physio)
    response = client.post_form(
        f"/patients/{patient.id}/outcomes/schedule",
        {
            "schedule-instrument": "lefs",
            "schedule-first_due": today.isoformat(),
            "schedule-every_weeks": "60",
        },
    )
    assert response.status_code == 422
    assert "Repeat every 1 to 52 weeks" in response.get_data(as_text=True)
    assert _count(db, OutcomeMeasure) == 0 and _count(db, OutcomeSchedule) == 0


def test_an_upcoming_measure_does_not_show_on_today(client, db, patient, today):
    outcome_measure(patient, "lefs", today + timedelta(days=3))
    client.login_as(patient.user)
    assert 'data-testid="outcome-due"' not in client.get("/today").get_data(as_text=True)


@pytest.mark.parametrize(
    ("days_late", "badge"), [(0, "Questionnaire due"), (8, "Questionnaire missed")]
)
def test_the_dashboard_shows_a_due_or_missed_questionnaire(
    client, db, physio, patient, today, days_late, badge
):
    outcome_measure(patient, "lefs", today - timedelta(days=days_late))
    client.login_as(physio)
    assert badge in client.get("/dashboard").get_data(as_text=True)


# --- Answering --------------------------------------------------------------------------------


def test_answers_synced_from_the_phone_are_stored_raw_once_and_the_next_one_is_scheduled(
    client, db, physio, patient, today
):
    outcomes.schedule(physio, patient, "lefs", today, 6)
    [measure] = db.session.scalars(sa.select(OutcomeMeasure)).all()
    client.login_as(patient.user)
    event = outcome(measure.id, [3] * 16 + [None] * 4)
    [result] = _sync(client, event)
    assert result["status"] == "applied"
    assert _sync(client, event)[0]["status"] == "duplicate"  # a resend is stored once

    db.session.refresh(measure)
    assert measure.answers == [3] * 16 + [None] * 4
    assert measure.score == {"total": 60}
    assert measure.event_id == event["id"] and measure.answered_on == today
    assert _count(db, SyncEvent) == 1
    waiting = db.session.scalars(
        sa.select(OutcomeMeasure).where(OutcomeMeasure.answered_on.is_(None))
    ).all()
    assert [(m.reason, m.due_on) for m in waiting] == [("repeat", today + timedelta(weeks=6))]
    db.session.refresh(patient)
    assert patient.outcome_due_on == today + timedelta(weeks=6)


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ([2] * 19 + [7], "answers.20", "7 is outside 0-4"),
        ([2] * 15 + [None] * 5, "answers.16", "at most 4 items"),
        ([2] * 19, "answers", "Give 20 answers"),
    ],
)
def test_the_api_refuses_answers_out_of_range_or_missing_and_stores_nothing(
    client, db, patient, today, answers, field, words
):
    measure = outcome_measure(patient, "lefs", today)
    client.login_as(patient.user)
    [result] = _sync(client, outcome(measure.id, answers))
    assert result["status"] == "rejected"
    assert words in result["errors"][field]
    db.session.refresh(measure)
    assert measure.answers is None and measure.answered_on is None
    assert _count(db, SyncEvent) == 0


def test_another_patients_questionnaire_cannot_be_answered(
    client, db, make, physio, patient, today
):
    other = make.patient(physio)
    theirs = outcome_measure(other, "lefs", today)
    client.login_as(patient.user)
    [result] = _sync(client, outcome(theirs.id, LEFS_MID))
    assert result["status"] == "rejected" and "measure_id" in result["errors"]
    assert client.get(f"/outcomes/{theirs.id}").status_code == 404
    db.session.refresh(theirs)
    assert theirs.answers is None


def test_an_answered_questionnaire_is_not_answered_twice(client, db, patient, today):
    measure = outcome_measure(patient, "lefs", today)
    client.login_as(patient.user)
    assert _sync(client, outcome(measure.id, LEFS_MID))[0]["status"] == "applied"
    [again] = _sync(client, outcome(measure.id, [4] * 20))
    assert again["status"] == "rejected" and "already answered" in again["errors"]["measure_id"]
    db.session.refresh(measure)
    assert measure.score == {"total": 40}


def test_the_form_without_javascript_refuses_a_missing_answer_by_the_item_and_stores_nothing(
    client, db, patient, today
):
    measure = outcome_measure(patient, "psfs", today)
    client.login_as(patient.user)
    form = {"activity_1": "Running", "answer_1": "3", "activity_2": "Squat", "activity_3": "Stairs"}
    form["answer_3"] = "6"
    response = client.post_form(f"/outcomes/{measure.id}", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Item 2 (Squat): missing; every item needs an answer." in page
    assert 'value="Running"' in page  # what was typed stays
    db.session.refresh(measure)
    assert measure.answers is None

    form["answer_2"] = "5"
    assert client.post_form(f"/outcomes/{measure.id}", form).status_code == 303
    db.session.refresh(measure)
    assert measure.activities == ["Running", "Squat", "Stairs"]
    assert measure.answers == [3, 5, 6] and measure.score == {"total": 4.7}


def test_a_psfs_follow_up_rates_the_baseline_activities(client, db, patient, today):
    outcome_measure(
        patient,
        "psfs",
        today - timedelta(weeks=4),
        answered_on=today - timedelta(weeks=4),
        answers=[2, 3, 4],
        activities=["Run", "Squat", "Stairs"],
        score={"total": 3},
    )
    follow_up = outcome_measure(patient, "psfs", today, reason="repeat")
    client.login_as(patient.user)
    page = client.get(f"/outcomes/{follow_up.id}").get_data(as_text=True)
    assert "1. Run" in page and "activity_1" not in page
    assert _sync(client, outcome(follow_up.id, [5, 5, 5]))[0]["status"] == "applied"
    db.session.refresh(follow_up)
    assert follow_up.activities == ["Run", "Squat", "Stairs"]


def test_the_form_says_it_shows_short_labels_until_licensed_wording_is_loaded(
    client, db, patient, today, tmp_path
):
    measure = outcome_measure(patient, "lefs", today)
    client.login_as(patient.user)
    page = client.get(f"/outcomes/{measure.id}").get_data(as_text=True)
    assert 'data-testid="wording-short"' in page and "Work or household tasks" in page

    wording = yaml.safe_load((outcomes.outcomes_dir() / "lefs.yaml").read_text())
    for item in wording["items"]:
        item["text"] = f"Licensed question about {item['key']}"
    path = tmp_path / "clinic-lefs.yaml"
    path.write_text(yaml.safe_dump(wording))
    outcomes.load_wording(path)
    page = client.get(f"/outcomes/{measure.id}").get_data(as_text=True)
    assert 'data-testid="wording-licensed"' in page
    assert "Licensed question about work" in page
    assert _sync(client, outcome(measure.id, LEFS_MID))[0]["status"] == "applied"
    db.session.refresh(measure)
    assert measure.licensed_wording is True


# --- Results ----------------------------------------------------------------------------------


def test_the_physio_sees_the_change_since_baseline_against_the_mcid_and_a_chart(
    client, db, physio, patient, today
):
    for weeks, total in ((8, 40), (4, 46), (0, 52)):
        outcome_measure(
            patient,
            "lefs",
            today - timedelta(weeks=weeks),
            answered_on=today - timedelta(weeks=weeks),
            answers=[2] * 20,
            score={"total": total},
            reason="baseline" if weeks == 8 else "repeat",
        )
    client.login_as(physio)
    response = client.get(f"/patients/{patient.id}/outcomes")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Total: +12: better, at least the 9 that matters." in page
    block = page.split('id="chart-data"')[1].split(">", 1)[1]
    payload = json.loads(block.split("</script>")[0])
    [chart] = payload["charts"]
    go.Figure(chart["figure"])  # a valid Plotly figure
    [band] = chart["figure"]["layout"]["shapes"]
    assert (band["y0"], band["y1"]) == (31, 49)  # baseline 40 +- 9


# --- Data rights ------------------------------------------------------------------------------


def test_answers_are_in_the_download_and_deleted_with_the_patient(db, make, physio, patient, today):
    outcomes.schedule(physio, patient, "lefs", today, 4)
    measure = db.session.scalars(sa.select(OutcomeMeasure)).one()
    outcomes.answer(patient, measure.id, LEFS_MID)
    data = data_rights.export_patient(patient)
    assert data["outcome_measures"][0]["answers"] == LEFS_MID
    assert data["outcome_schedules"][0]["every_weeks"] == 4
    admin = make.staff(physio.clinic, Role.ADMIN)
    assert admin
    data_rights.delete_patient(patient)
    assert _count(db, OutcomeMeasure) == 0 and _count(db, OutcomeSchedule) == 0


# --- Command line -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["lefs", json.dumps([4] * 20)], {"total": 80}),
        (["ihot12", json.dumps([0] * 12)], {"total": 0}),
        (["psfs", "[3, 5, 7]"], {"total": 5}),
        (
            ["hagos", json.dumps([1] * 37)],
            {
                "subscales": dict.fromkeys(
                    ["symptoms", "pain", "adl", "sport", "participation", "qol"], 75
                )
            },
        ),
    ],
)
def test_outcomes_score_prints_the_score_as_json(runner, args, output):
    result = runner.invoke(args=["outcomes", "score", *args])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == output


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["lefs", json.dumps([4] * 19 + [5])], "Item 20 (Turning over in bed): 5 is outside 0-4."),
        (["ihot12", "[1, 2"], "answers: not JSON"),
        (["psfs", "[3, null, 7]"], "Item 2 (Activity 2): missing; every item needs an answer."),
    ],
)
def test_outcomes_score_exits_2_with_one_line_naming_the_item(runner, args, line):
    result = runner.invoke(args=["outcomes", "score", *args])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert line in result.stderr


def test_outcomes_sync_is_safe_to_run_again(runner, db):
    first = runner.invoke(args=["outcomes", "sync"])
    assert "4 created" in first.output
    assert "4 unchanged" in runner.invoke(args=["outcomes", "sync"]).output
    assert _count(db, OutcomeInstrument) == 4


def test_outcomes_load_refuses_a_wording_file_that_changes_the_structure(runner, db, tmp_path):
    wording = yaml.safe_load((outcomes.outcomes_dir() / "lefs.yaml").read_text())
    wording["items"] = wording["items"][:19]
    path = tmp_path / "lefs-wording.yaml"
    path.write_text(yaml.safe_dump(wording))
    result = runner.invoke(args=["outcomes", "load", str(path)])
    assert result.exit_code == 1
    assert "items: keys must be those of the shipped file" in result.output
    assert db.session.scalar(sa.select(OutcomeInstrument.wording)) is None


def test_a_programme_from_a_condition_template_schedules_its_suggested_measures(
    db, make, physio, patient, today
):
    from app.services.programmes import assign_programme

    template = make.template([("Phase 1", [make.exercise(), make.exercise(), make.exercise()])])
    assign_programme(physio, patient, template, today)
    waiting = db.session.scalars(sa.select(OutcomeMeasure).order_by(OutcomeMeasure.instrument))
    # The instrument files suggest LEFS and PSFS for gluteal tendinopathy: baselines today.
    assert [(m.instrument, m.reason, m.due_on) for m in waiting] == [
        ("lefs", "baseline", today),
        ("psfs", "baseline", today),
    ]
    plans = db.session.scalars(sa.select(OutcomeSchedule.every_weeks)).all()
    assert plans == [4, 4]
    # A second programme keeps the schedules the patient already has.
    assign_programme(physio, patient, template, today)
    assert _count(db, OutcomeSchedule) == 2


def test_the_baseline_is_attached_to_the_assessment_it_follows(db, physio, patient, today):
    from app.models import Assessment

    assessment = Assessment(
        patient_id=patient.id,
        physio_id=physio.id,
        kind="initial",
        assessed_on=today - timedelta(days=1),
        findings="Weak abductors",
        baseline_pain=4,
    )
    db.session.add(assessment)
    db.session.flush()
    baseline = outcomes.schedule(physio, patient, "hagos", today, 6)
    assert baseline.reason == "baseline" and baseline.assessment_id == assessment.id
