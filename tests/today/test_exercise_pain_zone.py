"""Pain given on one exercise counts as pain during exercise for the day's traffic light."""

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import DaySummary, Flag
from tests.factories import checkin, tick


def _summary(patient, day):  # type: ignore[no-untyped-def]
    return db.session.scalar(
        sa.select(DaySummary).where(
            DaySummary.patient_id == patient.id, DaySummary.local_date == day
        )
    )


def _flags(patient):  # type: ignore[no-untyped-def]
    return db.session.scalars(sa.select(Flag).where(Flag.patient_id == patient.id)).all()


def test_exercise_pain_above_5_without_a_check_in_makes_the_day_red_and_flags_it(
    client, make, patient, today
):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    response = client.post_json("/api/v1/sync", {"events": [tick(1, today, pain=7)]})
    assert response.status_code == 200
    summary = _summary(patient, today)
    assert (summary.during_pain, summary.max_exercise_pain, summary.zone) == (None, 7, "red")
    [flag] = _flags(patient)
    assert flag.kind == "red_day" and "worst exercise pain 7/10" in flag.message
    page = client.get("/today").get_data(as_text=True)
    assert "Do less today" in page


def test_the_higher_of_session_and_exercise_pain_sets_the_zone(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    events = [tick(1, today, pain=4), checkin("during", today, 2)]
    response = client.post_json("/api/v1/sync", {"events": events})
    assert response.get_json()["results"][1]["zone"] == "amber"
    assert _summary(patient, today).zone == "amber"
    assert _flags(patient) == []


def test_low_exercise_pain_does_not_lower_a_red_session(client, make, patient, today):
    make.programme(patient, start=today - timedelta(days=14))
    client.login_as(patient.user)
    events = [tick(1, today, pain=1), checkin("during", today, 6)]
    client.post_json("/api/v1/sync", {"events": events})
    assert _summary(patient, today).zone == "red"
    assert len(_flags(patient)) == 1
