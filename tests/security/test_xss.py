"""Script in any free-text field comes out inert (escaped) on every page that shows it."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for

from app.extensions import db
from app.models import Assessment, CheckIn, Message
from tests.security.test_authorization_matrix import ids_for, route_rules
from tests.security.world import World

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
# What must never appear raw in HTML; Jinja turns < > " into entities.
RAW = ("<script>alert(1)", "<img src=x onerror")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _poison(world: World) -> None:
    """Put the payload in every free-text field the world has (as forms and the API would)."""
    patient = world.patient_a
    patient.user.name = f"Alice {PAYLOAD}"
    patient.goal = PAYLOAD
    for assessment in db.session.scalars(db.select(Assessment)):
        assessment.findings = assessment.goals = assessment.notes = PAYLOAD
    exercise = world.custom_exercise
    exercise.name = f"Clam {PAYLOAD}"[:120]
    exercise.steps = [PAYLOAD, "Lift."]
    exercise.cues = [PAYLOAD]
    exercise.faults = [PAYLOAD]
    exercise.cautions = [{"text": PAYLOAD, "conditions": []}]
    exercise.evidence = PAYLOAD
    exercise.target_muscles = [PAYLOAD]
    template = world.template
    template.name = f"Template {PAYLOAD}"[:120]
    template.description = PAYLOAD
    for phase in template.phases:
        phase.name, phase.goal, phase.criteria = f"Phase {PAYLOAD}"[:120], PAYLOAD, PAYLOAD
        for item in phase.prescriptions:
            item.note = PAYLOAD
    world.programme.title = f"Plan {PAYLOAD}"[:120]
    for phase in world.programme.phases:
        phase.name, phase.goal, phase.criteria = f"Phase {PAYLOAD}"[:120], PAYLOAD, PAYLOAD
    world.version.summary = world.version.reason = PAYLOAD
    for line in world.version.prescriptions:
        line.note, line.load_text, line.tempo = PAYLOAD, PAYLOAD[:60], "3-1-3"
    for checkin in db.session.scalars(db.select(CheckIn)):
        checkin.note = PAYLOAD
    world.suggestion.reason = PAYLOAD
    world.flag.message = PAYLOAD
    for message in db.session.scalars(db.select(Message)):
        message.body = PAYLOAD
    db.session.flush()


def _get_pages() -> list[str]:
    return [r.endpoint for r in route_rules() if "GET" in r.methods and r.endpoint != "static"]


def test_payload_is_inert_on_every_page(app, client, world: World):
    _poison(world)
    ids = ids_for(world)
    shown_escaped: set[str] = set()
    for endpoint in _get_pages():
        rule = next(r for r in route_rules() if r.endpoint == endpoint)
        with app.test_request_context():
            url = url_for(endpoint, **{arg: ids[arg] for arg in rule.arguments})
        for user in (world.physio_a, world.admin_a, world.patient_a.user):
            response = client.login_as(user).get(url)
            response.close()  # files such as /sw.js are streamed
            if response.mimetype != "text/html" or response.status_code != 200:
                continue
            body = response.get_data(as_text=True)
            for raw in RAW:
                assert raw not in body, f"{url} as {user.role} shows {raw!r} unescaped"
            if ESCAPED in body:
                shown_escaped.add(endpoint)
    # The test really looked at pages that show the payload.
    expected = {
        "patients.index",
        "patients.detail",
        "dashboard.index",
        "library.detail",
        "programmes.template_detail",
        "programmes.show",
        "programmes.my_plan",
        "today.today",
        "progress.patient_progress",
        "patients.my_messages",
    }
    assert expected <= shown_escaped, f"payload not shown on {expected - shown_escaped}"


@pytest.mark.parametrize("field", ["name", "goal"], ids=["patient-name", "patient-goal"])
def test_payload_typed_into_the_patient_form_is_stored_as_text_and_shown_escaped(
    client, world: World, field: str
):
    data = {
        "name": "Pat Payload",
        "date_of_birth": "1980-01-01",
        "timezone": "Europe/London",
        "condition": "gluteal-tendinopathy",
        "affected_side": "left",
        "goal": "Walk",
        field: PAYLOAD,
    }
    response = client.login_as(world.physio_a).post_form("/patients/new", data)
    assert response.status_code == 200
    listing = client.get("/patients").get_data(as_text=True)
    if field == "name":
        assert ESCAPED in listing and RAW[0] not in listing


def test_payload_in_a_check_in_note_is_inert_for_the_physio(client, world: World):
    day = (world.today - timedelta(days=1)).isoformat()
    event = {
        "id": str(uuid.uuid4()),
        "type": "checkin",
        "kind": "during",
        "session_date": day,
        "pain": 2,
        "note": PAYLOAD,
        # Newer than the world's check-in of that day, so it wins (last writer wins).
        "client_time": datetime.now(UTC).isoformat(),
    }
    client.login_as(world.patient_a.user).post_json("/api/v1/sync", {"events": [event]})
    for url in (f"/patients/{world.patient_a.id}/progress", f"/patients/{world.patient_a.id}"):
        body = client.login_as(world.physio_a).get(url).get_data(as_text=True)
        assert all(raw not in body for raw in RAW)
        assert ESCAPED in body  # the note is shown, as text


def test_payload_in_a_message_is_inert_on_both_sides_of_the_thread(client, world: World):
    event = {
        "id": str(uuid.uuid4()),
        "type": "message",
        "body": PAYLOAD,
        "client_time": "2026-01-01T08:00:00+00:00",
    }
    client.login_as(world.patient_a.user).post_json("/api/v1/sync", {"events": [event]})
    client.login_as(world.physio_a).post_form(
        f"/patients/{world.patient_a.id}/messages",
        {"message_id": str(uuid.uuid4()), "body": PAYLOAD},
    )
    pages = (
        (world.physio_a, f"/patients/{world.patient_a.id}"),
        (world.patient_a.user, "/messages"),
    )
    for user, url in pages:
        body = client.login_as(user).get(url).get_data(as_text=True)
        assert all(raw not in body for raw in RAW)
        assert body.count(ESCAPED) >= 2, f"{url} shows both messages as text"
