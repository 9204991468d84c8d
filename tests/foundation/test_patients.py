"""Physios create patients (with invites) and record assessments; bad input stores nothing."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import Assessment, Invite, Patient, User

GOOD = {
    "name": "Robin Hart",
    "email": "robin@test.example",
    "date_of_birth": "1985-06-01",
    "timezone": "Europe/London",
    "condition": "gluteal-tendinopathy",
    "affected_side": "left",
    "goal": "Run 10 km pain-free",
    "usual_pain": "2",
}


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_physio_creates_patient_and_sees_invite_once(client, db, physio):
    client.login_as(physio)
    response = client.post_form("/patients/new", GOOD)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "/invite/" in page and 'data-testid="invite-code"' in page
    patient = db.session.scalar(
        sa.select(Patient).join(Patient.user).where(User.login == "robin@test.example")
    )
    assert patient.physio_id == physio.id and patient.clinic_id == physio.clinic_id
    assert patient.user.password_hash is None
    assert _count(db, Invite) == 1


def test_patient_without_email_gets_a_username(client, db, physio):
    client.login_as(physio)
    client.post_form("/patients/new", {**GOOD, "email": ""})
    user = db.session.scalar(sa.select(User).where(User.name == "Robin Hart"))
    assert user.email is None and user.login.startswith("robin-")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("timezone", "Mars/Olympus", "Unknown timezone"),
        (
            "date_of_birth",
            (date.today() + timedelta(days=1)).isoformat(),
            "cannot be in the future",
        ),
        ("date_of_birth", "not a date", "Enter the date of birth"),
        ("email", "physio@test.example", "already exists"),
        ("email", "not-an-email", "valid email"),
        ("name", "", "Enter the patient"),
        ("usual_pain", "11", "0 to 10"),
        ("condition", "made-up", "Not a valid choice"),
    ],
)
def test_bad_patient_input_shows_error_by_field_and_saves_nothing(
    client, db, physio, field, value, message
):
    client.login_as(physio)
    before = _count(db, Patient), _count(db, User), _count(db, Invite)
    response = client.post_form("/patients/new", {**GOOD, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (_count(db, Patient), _count(db, User), _count(db, Invite)) == before


def test_patient_cannot_create_patients(client, patient):
    client.login_as(patient.user)
    assert client.post_form("/patients/new", GOOD).status_code == 403


def test_reissue_invite_is_a_password_reset(client, db, physio, patient):
    client.login_as(physio)
    response = client.post_form(f"/patients/{patient.id}/invite")
    assert response.status_code == 200 and "/invite/" in response.get_data(as_text=True)
    assert _count(db, Invite) == 1


def test_other_physio_cannot_reissue_invite(client, db, make, clinic, patient):
    stranger = make.staff(clinic)
    client.login_as(stranger)
    assert client.post_form(f"/patients/{patient.id}/invite").status_code == 404
    assert _count(db, Invite) == 0


def test_physio_records_initial_assessment_and_reassessment(client, db, physio, patient):
    client.login_as(physio)
    form = client.get(f"/patients/{patient.id}/assessments/new").get_data(as_text=True)
    assert 'selected value="initial"' in form
    for kind, pain in [("initial", "5"), ("reassessment", "3")]:
        response = client.post_form(
            f"/patients/{patient.id}/assessments/new",
            {
                "kind": kind,
                "assessed_on": "2026-11-01",
                "findings": "Weak hip abductors; limited hip extension",
                "baseline_pain": pain,
                "goals": "Run 5 km",
                "notes": "",
            },
        )
        assert response.status_code == 302
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Initial assessment" in page and "Reassessment" in page
    assert "Weak hip abductors" in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("baseline_pain", "11", "0 to 10"),
        ("baseline_pain", "", "Enter the pain score"),
        ("findings", "", "Record the findings"),
        ("assessed_on", (date.today() + timedelta(days=2)).isoformat(), "future"),
    ],
)
def test_bad_assessment_saves_nothing(client, db, physio, patient, field, value, message):
    client.login_as(physio)
    data = {
        "kind": "initial",
        "assessed_on": "2026-11-01",
        "findings": "Weak",
        "baseline_pain": "4",
        **{field: value},
    }
    response = client.post_form(f"/patients/{patient.id}/assessments/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(db, Assessment) == 0


def test_baseline_pain_zero_is_accepted(client, db, physio, patient):
    client.login_as(physio)
    response = client.post_form(
        f"/patients/{patient.id}/assessments/new",
        {"kind": "initial", "assessed_on": "2026-11-01", "findings": "Fine", "baseline_pain": "0"},
    )
    assert response.status_code == 302


def test_patient_page_names_condition_and_side_in_words(client, physio, patient):
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "Gluteal tendinopathy, right side" in page
