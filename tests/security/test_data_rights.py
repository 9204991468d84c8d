"""Audit log, a patient's data download, and deleting a patient with no orphan rows left."""

import csv
import io
import json
import zipfile

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Patient, User
from app.services import data_rights
from tests.security.world import World


def _audit(action: str, patient_ref: int | None = None) -> list[AuditEvent]:
    stmt = sa.select(AuditEvent).where(AuditEvent.action == action)
    if patient_ref is not None:
        stmt = stmt.where(AuditEvent.patient_ref == patient_ref)
    return list(db.session.scalars(stmt))


# --- Audit -----------------------------------------------------------------------------------


def test_physio_reading_a_patient_record_is_audited_once_per_page(client, world: World):
    client.login_as(world.physio_a)
    assert client.get(f"/patients/{world.patient_a.id}").status_code == 200
    events = _audit("patient.view", world.patient_a.id)
    assert len(events) == 1
    assert events[0].actor_id == world.physio_a.id
    assert events[0].details == {"page": "patients.detail"}


def test_a_refused_read_is_not_recorded_as_access(client, world: World):
    client.login_as(world.physio_other)
    assert client.get(f"/patients/{world.patient_a.id}").status_code == 404
    assert _audit("patient.view", world.patient_a.id) == []


def test_admin_sees_only_their_clinics_audit_events(client, world: World):
    client.login_as(world.physio_a).get(f"/patients/{world.patient_a.id}")
    client.login_as(world.physio_b).get("/patients")
    from app.services import audit

    audit.record(world.physio_b, "secret.other_clinic", "patient", 1)
    db.session.flush()
    page = client.login_as(world.admin_a).get("/admin/audit").get_data(as_text=True)
    assert "patient.view" in page
    assert "secret.other_clinic" not in page
    page_b = client.login_as(world.admin_b).get("/admin/audit").get_data(as_text=True)
    assert "secret.other_clinic" in page_b
    assert "Alice Able" not in page_b


def test_audit_log_filters_by_actor_action_and_patient(client, world: World):
    from app.services import audit

    audit.record(
        world.physio_a, "programme.update", "programme", 50001, patient_id=world.patient_a.id
    )
    audit.record(
        world.physio_other, "programme.update", "programme", 60002, patient_id=world.patient_b.id
    )
    audit.record(world.physio_other, "auth.login", "user", world.physio_other.id)
    db.session.flush()
    client.login_as(world.admin_a)

    def rows(**query: object) -> str:
        page = client.get("/admin/audit", query_string=query).get_data(as_text=True)
        return page.split("<tbody>")[1] if "<tbody>" in page else ""

    by_actor = rows(actor=world.physio_other.id)
    assert "auth.login" in by_actor and "#50001" not in by_actor
    by_action = rows(action="programme.update")
    assert "#50001" in by_action and "#60002" in by_action and "auth.login" not in by_action
    by_patient = rows(patient=world.patient_b.id, action="programme.update")
    assert "#60002" in by_patient and "#50001" not in by_patient


def test_audit_log_is_paginated(client, world: World):
    from app.services import audit

    for number in range(60):
        audit.record(world.physio_a, "test.event", "thing", 90000 + number)
    db.session.flush()
    client.login_as(world.admin_a)
    first = client.get("/admin/audit?action=test.event").get_data(as_text=True)
    second = client.get("/admin/audit?action=test.event&page=2").get_data(as_text=True)
    assert first.split("<tbody>")[1].count("<tr>") == 50
    assert second.split("<tbody>")[1].count("<tr>") == 10
    assert "Page 1 of 2" in first and "Older" in first
    assert "Page 2 of 2" in second and "#90000</td>" in second and "#90000</td>" not in first


def test_only_clinic_admins_see_the_audit_log(client, world: World):
    assert client.login_as(world.physio_a).get("/admin/audit").status_code == 403
    assert client.login_as(world.patient_a.user).get("/admin/audit").status_code == 403


# --- Export ----------------------------------------------------------------------------------


def test_patient_downloads_all_their_data_as_json(client, world: World):
    response = client.login_as(world.patient_a.user).get("/me/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data())
    assert data["profile"][0]["name"] == "Alice Able"
    for table in (
        "assessments",
        "programmes",
        "programme_versions",
        "prescriptions",
        "programme_phases",
        "exercise_logs",
        "check_ins",
        "day_summaries",
        "sync_events",
        "suggestions",
        "flags",
    ):
        assert data[table], f"{table} missing from the export"
    assert len(data["programme_versions"]) == 2
    assert data["check_ins"][0]["note"] == "Sore after the bridges"
    assert "password_hash" not in data["account"][0]
    assert "Bob Baker" not in response.get_data(as_text=True)
    assert _audit("patient.export", world.patient_a.id)


def test_patient_downloads_all_their_data_as_a_zip_of_csv_files(client, world: World):
    response = client.login_as(world.patient_a.user).get("/me/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = set(archive.namelist())
    assert {"profile.csv", "check_ins.csv", "exercise_logs.csv", "sync_events.csv"} <= names
    check_ins = list(csv.DictReader(io.StringIO(archive.read("check_ins.csv").decode())))
    assert check_ins[0]["pain"] == "6"
    versions = list(csv.DictReader(io.StringIO(archive.read("programme_versions.csv").decode())))
    assert len(versions) == 2


def test_csv_cells_that_look_like_formulas_stay_text():
    data = {"exported_at": "now", "notes": [{"note": '=HYPERLINK("x")', "pain": -1}]}
    archive = zipfile.ZipFile(io.BytesIO(data_rights.export_zip_of_csv(data)))
    row = next(csv.DictReader(io.StringIO(archive.read("notes.csv").decode())))
    assert row["note"].startswith("'=") and row["pain"] == "-1"


def test_only_the_patient_can_download_their_data(client, world: World):
    assert client.get("/me/export.json").status_code == 302
    assert client.login_as(world.physio_a).get("/me/export.json").status_code == 403
    data = client.login_as(world.patient_b.user).get("/me/export.json").get_json()
    assert data["profile"][0]["id"] == world.patient_b.id
    assert data["check_ins"] == [] and data["programmes"] == []


# --- Delete ----------------------------------------------------------------------------------


def _tables_pointing_at(table: str) -> list[tuple[sa.Table, sa.Column]]:
    """Every (table, column) with a foreign key to the given table."""
    found = []
    for other in db.metadata.sorted_tables:
        for column in other.columns:
            if any(fk.column.table.name == table for fk in column.foreign_keys):
                found.append((other, column))
    return found


def _references(patient_id: int, user_id: int) -> dict[str, int]:
    """Rows still pointing at the deleted patient or user, per table.column (should be none)."""
    left = {}
    for table, ids in (("patients", [patient_id]), ("users", [user_id])):
        for other, column in _tables_pointing_at(table):
            count = db.session.scalar(
                sa.select(sa.func.count()).select_from(other).where(column.in_(ids))
            )
            if count:
                left[f"{other.name}.{column.name}"] = count
    return left


def test_every_table_pointing_at_patients_or_users_is_handled_by_deletion():
    known = set(data_rights.PATIENT_TABLES) | set(data_rights.SHARED_TABLES)
    pointing = {t.name for name in ("patients", "users") for t, _ in _tables_pointing_at(name)}
    unhandled = pointing - known
    assert not unhandled, f"data_rights.delete_patient does not know these tables: {unhandled}"


def test_delete_page_shows_counts_and_needs_the_patients_name(client, world: World):
    client.login_as(world.admin_a)
    url = f"/admin/patients/{world.patient_a.id}/delete"
    page = client.get(url).get_data(as_text=True)
    assert "Alice Able" in page and "Programme versions" in page and "Check ins" in page
    response = client.post_form(url, {"confirm_name": "Bob Baker"})
    assert response.status_code == 422
    assert "nothing was deleted" in response.get_data(as_text=True)
    assert db.session.get(Patient, world.patient_a.id) is not None


def test_admin_deletes_a_patient_and_leaves_no_orphan_rows(client, world: World):
    patient_id, user_id = world.patient_a.id, world.patient_a.user_id
    client.login_as(world.patient_a.user).get("/me/export.json")  # the patient is an audit actor
    client.login_as(world.admin_a).get(f"/admin/patients/{patient_id}/delete")
    before = _references(patient_id, user_id)
    assert len(before) >= 10, before  # the world really fills the patient's tables
    response = client.post_form(
        f"/admin/patients/{patient_id}/delete", {"confirm_name": " alice able "}
    )
    assert response.status_code == 302
    assert _references(patient_id, user_id) == {}
    assert db.session.get(Patient, patient_id) is None
    assert db.session.get(User, user_id) is None
    # Patient B and the clinic's exercises and templates are untouched.
    assert db.session.get(Patient, world.patient_b.id) is not None
    assert db.session.get(type(world.custom_exercise), world.custom_exercise.id) is not None
    deleted = _audit("patient.delete", patient_id)
    assert len(deleted) == 1 and deleted[0].actor_id == world.admin_a.id
    # The trail stays, as bare numbers without health data.
    assert _audit("patient.view", patient_id)
    assert all(e.actor_id is None for e in _audit("patient.export", patient_id))


def test_only_an_admin_of_the_same_clinic_can_delete(client, world: World):
    url = f"/admin/patients/{world.patient_a.id}/delete"
    for user, status in ((world.physio_a, 403), (world.admin_b, 404), (world.patient_a.user, 403)):
        response = client.login_as(user).post_form(url, {"confirm_name": "Alice Able"})
        assert response.status_code == status
    assert db.session.get(Patient, world.patient_a.id) is not None
