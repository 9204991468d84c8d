"""Messages: a thread between a patient and their staff, sent from the phone or the patient page."""

import uuid

import pytest
import sqlalchemy as sa

from app.domain.messages import MESSAGES_PER_HOUR
from app.extensions import db
from app.models import AuditEvent, Message, Patient, Role
from tests.factories import message


def _messages(patient: Patient) -> list[Message]:
    return list(
        db.session.scalars(
            sa.select(Message).where(Message.patient_id == patient.id).order_by(Message.created_at)
        )
    )


def _sync(client, *events):  # type: ignore[no-untyped-def]
    return client.post_json("/api/v1/sync", {"events": list(events)})


def test_a_message_from_the_phone_is_stored_once_by_its_id(client, patient):
    client.login_as(patient.user)
    event = message("Is it fine to do the bridges on a bed?")
    first = _sync(client, event)
    again = _sync(client, event)
    assert first.json["results"] == [{"id": event["id"], "status": "applied"}]
    assert again.json["results"] == [{"id": event["id"], "status": "duplicate"}]
    [stored] = _messages(patient)
    assert (stored.id, stored.from_patient) == (event["id"], True)
    assert stored.author_id == patient.user_id
    assert stored.body == "Is it fine to do the bridges on a bed?"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write a message first."),
        ("   ", "Write a message first."),
        ("x" * 2001, "Keep the message to 2000 characters or fewer."),
    ],
)
def test_a_bad_message_is_rejected_with_a_clear_message_and_stores_nothing(
    client, patient, body, error
):
    client.login_as(patient.user)
    response = _sync(client, message(body))
    assert response.json["results"][0]["status"] == "rejected"
    assert response.json["results"][0]["errors"] == {"body": error}
    assert _messages(patient) == []


def test_messages_past_the_hourly_limit_are_refused(client, make, patient):
    for _ in range(MESSAGES_PER_HOUR - 1):
        make.message(patient, "again")
    client.login_as(patient.user)
    results = _sync(client, message("one more"), message("and another")).json["results"]
    assert [r["status"] for r in results] == ["applied", "rejected"]
    assert "in the last hour" in results[1]["errors"]["body"]
    assert len(_messages(patient)) == MESSAGES_PER_HOUR


def test_without_javascript_the_form_sends_the_same_event(client, patient):
    client.login_as(patient.user)
    form_id = str(uuid.uuid4())
    for _ in range(2):  # a double submit of the same form
        response = client.post_form("/messages", {"id": form_id, "body": "Knee is sore"})
        assert response.status_code == 303
    assert [m.body for m in _messages(patient)] == ["Knee is sore"]
    refused = client.post_form("/messages", {"id": str(uuid.uuid4()), "body": " "})
    assert refused.status_code == 303
    page = client.get("/messages").get_data(as_text=True)
    assert "Write a message first." in page and len(_messages(patient)) == 1


def test_the_physio_replies_from_the_patient_page_and_the_patient_sees_it_once_unread(
    client, physio, patient
):
    client.login_as(physio)
    reply = {"message_id": str(uuid.uuid4()), "body": "Yes, a firm bed is fine."}
    assert client.post_form(f"/patients/{patient.id}/messages", reply).status_code == 303
    client.post_form(f"/patients/{patient.id}/messages", reply)  # double submit: stored once
    assert [(m.body, m.from_patient) for m in _messages(patient)] == [
        ("Yes, a firm bed is fine.", False)
    ]
    sent = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "message.send"))
    assert len(sent.all()) == 1

    client.login_as(patient.user)
    today_page = client.get("/today").get_data(as_text=True)
    assert '<span class="visually-hidden"> unread</span>' in today_page  # the navigation's count
    thread = client.get("/messages").get_data(as_text=True)
    assert "Yes, a firm bed is fine." in thread and "message-new" in thread
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).unread_staff_messages == 0
    assert "message-new" not in client.get("/messages").get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "message_id", "error"),
    [
        ("", None, "Write a message first."),
        ("x" * 2001, None, "Keep the message to 2000 characters or fewer."),
        ("Hello", "not-a-uuid", "Reload the page and try again."),
    ],
)
def test_a_bad_reply_is_refused_with_its_reason_and_stores_nothing(
    client, physio, patient, body, message_id, error
):
    client.login_as(physio)
    data = {"message_id": message_id or str(uuid.uuid4()), "body": body}
    response = client.post_form(f"/patients/{patient.id}/messages", data, follow_redirects=True)
    assert error in response.get_data(as_text=True)
    assert _messages(patient) == []


def test_staff_reading_the_thread_is_audited_with_the_patient_page(client, make, physio, patient):
    make.message(patient, "Question")
    client.login_as(physio).get(f"/patients/{patient.id}")
    views = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "patient.view", AuditEvent.patient_ref == patient.id
        )
    ).all()
    assert [v.details["page"] for v in views] == ["patients.detail"]


def test_messages_are_seen_by_the_patients_staff_and_nobody_else(client, make, physio, patient):
    make.message(patient, "Private words for my physio")
    other_physio = make.staff(physio.clinic, Role.PHYSIO, "other@test.example")
    other_patient = make.patient(other_physio, "other-patient@test.example")
    other_clinic_admin = make.staff(make.clinic("Elsewhere"), Role.ADMIN, "b@test.example")
    admin = make.staff(physio.clinic, Role.ADMIN, "admin-a@test.example")
    url = f"/patients/{patient.id}"
    for user in (physio, admin):
        page = client.login_as(user).get(url).get_data(as_text=True)
        assert "Private words for my physio" in page
    for user in (other_physio, other_clinic_admin):
        assert client.login_as(user).get(url).status_code == 404
    other_thread = client.login_as(other_patient.user).get("/messages").get_data(as_text=True)
    assert "Private words" not in other_thread
    reply = {"message_id": str(uuid.uuid4()), "body": "Sneaky"}
    assert client.login_as(other_physio).post_form(f"{url}/messages", reply).status_code == 404
    assert [m.body for m in _messages(patient)] == ["Private words for my physio"]


def test_another_patients_message_id_is_refused_and_changes_nothing(client, make, physio, patient):
    other = make.patient(physio, "other@test.example")
    client.login_as(patient.user)
    event = message("Mine")
    _sync(client, event)
    client.login_as(other.user)
    stolen = message("Overwrite?", id=event["id"])
    [result] = _sync(client, stolen).json["results"]
    assert result["status"] == "rejected" and "id" in result["errors"]
    assert [m.body for m in _messages(patient)] == ["Mine"]
    assert _messages(other) == []
