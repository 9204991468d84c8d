"""No read or write across patients through ids inside URLs or JSON bodies."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import url_for
from werkzeug.routing import Rule

from app.extensions import db
from app.models import ExerciseLog, Suggestion, SyncEvent
from app.models import Prescription as PrescriptionRow
from tests.security.test_authorization_matrix import database_digest, ids_for, route_rules, undone
from tests.security.world import World


def _tick(world: World, line_id: int, **extra: object) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "type": "tick",
        "local_date": (world.today - timedelta(days=1)).isoformat(),
        "line_id": line_id,
        "client_time": "2026-01-01T08:00:00+00:00",
        **extra,
    }


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(SyncEvent.id))),
        db.session.scalar(sa.select(sa.func.count(ExerciseLog.id))),
    )


def test_sync_with_another_patients_line_is_rejected_and_nothing_stored(client, world: World):
    a_line = world.version.prescriptions[1]
    before = _counts()
    response = client.login_as(world.patient_b.user).post_json(
        "/api/v1/sync",
        {"events": [_tick(world, a_line.line_id, prescription_id=a_line.id)]},
    )
    assert response.status_code == 200
    [result] = response.get_json()["results"]
    assert result["status"] == "rejected"
    assert _counts() == before


def test_sync_with_another_patients_prescription_id_is_rejected(client, make, world: World):
    # Patient B has a plan of their own, so line 1 exists for them too.
    make.programme(world.patient_b, [world.library_exercise], start=world.today - timedelta(days=3))
    a_prescription = world.version.prescriptions[0]
    before = _counts()
    response = client.login_as(world.patient_b.user).post_json(
        "/api/v1/sync", {"events": [_tick(world, 1, prescription_id=a_prescription.id)]}
    )
    [result] = response.get_json()["results"]
    assert result["status"] == "rejected" and "prescription_id" in result["errors"]
    assert _counts() == before


def test_sync_reusing_another_patients_event_id_is_rejected(client, make, world: World):
    make.programme(world.patient_b, [world.library_exercise], start=world.today - timedelta(days=3))
    a_event = db.session.scalar(
        sa.select(SyncEvent).where(SyncEvent.patient_id == world.patient_a.id)
    )
    before = _counts()
    response = client.login_as(world.patient_b.user).post_json(
        "/api/v1/sync", {"events": [{**_tick(world, 1), "id": a_event.id}]}
    )
    [result] = response.get_json()["results"]
    assert result["status"] == "rejected"
    assert _counts() == before
    assert db.session.get(SyncEvent, a_event.id).patient_id == world.patient_a.id


def test_patient_reads_only_their_own_day_through_the_api(client, world: World):
    body = client.login_as(world.patient_b.user).get("/api/v1/today").get_json()
    assert "Glute bridge" not in str(body) and "Clinic A clam" not in str(body)
    mine = client.login_as(world.patient_a.user).get("/api/v1/today").get_json()
    assert "Glute bridge" in str(mine)


@pytest.mark.parametrize("who", ["patient_b", "physio_other", "admin_b"])
def test_chart_data_of_another_patient_is_hidden(client, world: World, who: str):
    user = world.patient_b.user if who == "patient_b" else getattr(world, who)
    response = client.login_as(user).get(f"/patients/{world.patient_a.id}/charts.json")
    assert response.status_code == 404


def test_own_chart_data_never_holds_another_patients_numbers(client, world: World):
    body = client.login_as(world.patient_b.user).get("/progress/charts.json").get_data(as_text=True)
    assert "Alice" not in body and "Sore after" not in body


def _nested_rules() -> list[Rule]:
    """Routes that take a patient and an object of that patient (programme, suggestion...)."""
    return [
        rule
        for rule in route_rules()
        if "patient_id" in rule.arguments and len(rule.arguments - {"patient_id", "line_id"}) >= 1
    ]


def test_there_are_nested_routes():
    assert len(_nested_rules()) >= 10


@pytest.mark.parametrize("rule", _nested_rules(), ids=lambda r: r.endpoint)
def test_object_of_patient_a_under_patient_b_url_is_hidden(app, db, world: World, rule: Rule):
    """Patient B's physio may open B, but A's programme or suggestion under B's URL is a 404."""
    ids = {**ids_for(world), "patient_id": world.patient_b.id}
    with app.test_request_context():
        url = url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})
    before = database_digest()
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        with undone():
            client = app.test_client().login_as(world.physio_other)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post_form(url, {"note": "x", "reps": "5"})
            assert response.status_code == 404, (method, url, response.status_code)
            assert database_digest() == before


def test_suggestion_actions_of_another_physio_change_nothing(client, world: World):
    url = f"/patients/{world.patient_a.id}/suggestions/{world.suggestion.id}"
    for user in (world.physio_other, world.admin_b, world.patient_a.user):
        client.login_as(user)
        for action in ("apply", "dismiss"):
            response = client.post_form(f"{url}/{action}", {"note": "not mine"})
            assert response.status_code in (403, 404)
    assert db.session.get(Suggestion, world.suggestion.id).status == "pending"
    assert len(db.session.scalars(sa.select(PrescriptionRow)).all()) == 4
