"""Probing another patient's record leaves a trace: who, what, when, and no health data."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.services.audit import REFUSED
from tests.security.test_authorization_matrix import database_digest
from tests.security.world import World


def _refusals() -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == REFUSED)).all())


@pytest.mark.parametrize(
    "caller, path, status",
    [
        ("physio_other", "/patients/{id}", 404),  # same clinic, not their patient
        ("admin_b", "/patients/{id}/progress", 404),  # another clinic
        ("physio_b", "/patients/{id}/charts.json", 404),
        ("pat_b", "/patients/{id}/charts.json", 404),  # another patient
        ("pat_b", "/patients/{id}", 403),  # a patient on a staff page
    ],
)
def test_reading_another_patients_record_is_refused_and_audited(
    client, world: World, caller: str, path: str, status: int
):
    user = {
        "physio_other": world.physio_other,
        "admin_b": world.admin_b,
        "physio_b": world.physio_b,
        "pat_b": world.patient_b.user,
    }[caller]
    client.login_as(user)
    response = client.get(path.format(id=world.patient_a.id))
    assert response.status_code == status
    (event,) = _refusals()
    assert event.actor_id == user.id and event.clinic_id == user.clinic_id
    assert event.target_type == "patient" and event.target_id == world.patient_a.id
    assert event.created_at is not None
    assert set(event.details) == {"page", "method", "status"}  # no health data
    assert event.details["method"] == "GET" and event.details["status"] == status


def test_a_refused_write_to_another_patient_leaves_only_the_audit_row(client, world: World):
    client.login_as(world.physio_other)
    before = database_digest()  # which leaves the refusal rows out
    count_before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    response = client.post_form(f"/patients/{world.patient_a.id}/invite")
    assert response.status_code == 404
    assert database_digest() == before
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == count_before + 1
    (event,) = _refusals()
    assert event.details["method"] == "POST"


def test_probing_ids_that_do_not_exist_is_audited_too(client, world: World):
    client.login_as(world.physio_a)
    assert client.get("/patients/987654").status_code == 404
    (event,) = _refusals()
    assert event.target_id == 987654 and event.actor_id == world.physio_a.id


def test_allowed_reads_and_anonymous_visits_record_no_refusal(client, world: World):
    client.login_as(world.physio_a)
    assert client.get(f"/patients/{world.patient_a.id}").status_code == 200
    client.post_form("/logout")
    assert client.get(f"/patients/{world.patient_a.id}").status_code == 302
    assert _refusals() == []
