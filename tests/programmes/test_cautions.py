"""Exercises with a caution for the patient's condition are marked wherever they are chosen."""

from app.views import cautions_for

COMPRESSION = {
    "text": "Lying on the sore side presses on the tendon.",
    "conditions": ["gluteal-tendinopathy"],
}


def test_cautions_apply_only_to_the_named_condition(make):
    exercise = make.exercise("side-lying-test", cautions=[COMPRESSION])
    assert cautions_for(exercise, "gluteal-tendinopathy") == [COMPRESSION["text"]]
    assert cautions_for(exercise, "fai") == []
    assert cautions_for(exercise, None) == []


def test_physio_and_patient_see_the_caution_for_the_patients_condition(
    client, make, physio, patient
):
    exercise = make.exercise("side-lying-test", name="Side-lying test", cautions=[COMPRESSION])
    programme = make.programme(patient, [exercise])
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}/programmes/{programme.id}").get_data(as_text=True)
    assert "Caution for Gluteal tendinopathy" in page and "presses on the tendon" in page
    client.login_as(patient.user)
    plan = client.get("/plan").get_data(as_text=True)
    assert "Take care:" in plan and "presses on the tendon" in plan


def test_no_caution_shown_for_another_condition(client, make, physio, patient, db):
    patient.condition = "fai"
    db.session.flush()
    exercise = make.exercise("side-lying-test", cautions=[COMPRESSION])
    programme = make.programme(patient, [exercise])
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}/programmes/{programme.id}").get_data(as_text=True)
    assert "presses on the tendon" not in page
