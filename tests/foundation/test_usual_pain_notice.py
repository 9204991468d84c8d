"""The physio is told when a patient's usual morning pain is missing, and where to record it."""

NOTICE = "Usual morning pain not recorded: next-morning checks and progress suggestions need it"


def test_patient_page_says_usual_pain_is_missing_with_a_link(client, make, physio):
    patient = make.patient(physio, "nousual@test.example", usual_pain=None)
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert NOTICE in page
    assert f'href="/patients/{patient.id}/assessments/new"' in page


def test_no_notice_once_usual_pain_is_recorded(client, make, physio):
    patient = make.patient(physio, "usual@test.example", usual_pain=2)
    client.login_as(physio)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert NOTICE not in page


def test_recording_an_assessment_fills_it_in(client, make, physio):
    patient = make.patient(physio, "assess@test.example", usual_pain=None)
    client.login_as(physio)
    form = {
        "kind": "initial",
        "assessed_on": "2026-11-02",
        "findings": "Weak hip abductors.",
        "baseline_pain": "3",
    }
    response = client.post_form(f"/patients/{patient.id}/assessments/new", form)
    assert response.status_code == 302
    assert patient.usual_pain == 3
    assert NOTICE not in client.get(f"/patients/{patient.id}").get_data(as_text=True)
