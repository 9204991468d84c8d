"""The smallest change that matters and the walk-run pain limit are programme settings."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ProgrammeVersion
from app.services import programmes as svc

GOOD = {
    "green_max_during": "3",
    "amber_max_during": "5",
    "amber_morning_rise": "1",
    "red_morning_rise": "2",
    "mcid": "3",
    "walk_run_max_pain": "1",
    "affected_side": "both",
}


def _url(patient, programme) -> str:  # type: ignore[no-untyped-def]
    return f"/patients/{patient.id}/programmes/{programme.id}/thresholds"


def _versions(programme) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(
        sa.select(sa.func.count(ProgrammeVersion.id)).where(
            ProgrammeVersion.programme_id == programme.id
        )
    )


def test_new_versions_default_both_to_2(make, patient):
    programme = make.programme(patient)
    version = db.session.get(ProgrammeVersion, programme.current_version_id)
    assert (version.mcid, version.walk_run_max_pain) == (2, 2)
    thresholds = svc.settings_of(version)
    assert (thresholds.mcid, thresholds.walk_run_max_pain) == (2, 2)


def test_the_form_shows_and_saves_them_as_a_new_version(client, physio, patient, make):
    programme = make.programme(patient)
    client.login_as(physio)
    page = client.get(_url(patient, programme)).get_data(as_text=True)
    assert "Smallest change in pain that matters" in page and "Walk-run" in page
    data = GOOD | {"version_id": str(programme.current_version_id)}
    response = client.post_form(_url(patient, programme), data)
    assert response.status_code == 302
    assert _versions(programme) == 2
    version = svc.load_version(programme.current_version_id)
    assert (version.number, version.mcid, version.walk_run_max_pain) == (2, 3, 1)
    assert version.summary == (
        "Pain thresholds: a change of 3 points matters, walk-run levels done well at pain up to 1"
    )
    assert svc.settings_of(version).mcid == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mcid": "0"}, "Must be at least 1."),
        ({"mcid": "11"}, "Must be a whole number from 0 to 10."),
        ({"walk_run_max_pain": "12"}, "Must be a whole number from 0 to 10."),
        ({"walk_run_max_pain": ""}, None),  # required: the form's own message
        ({"green_max_during": "6"}, "The green limit must not be above the amber limit."),
        # The other rule settings (issue 14 item 9).
        ({"adherent_percent": "40"}, "Must be a whole number from 50 to 100."),
        (
            {"adherent_percent": "60", "low_adherence_percent": "70"},
            "The low-adherence line must not be above the adherent line.",
        ),
        ({"silent_days": "1"}, "Must be a whole number from 2 to 14."),
        ({"load_step_kg": "0"}, "Must be a number of kilograms from 0.25 to 5."),
        ({"load_step_kg": "heavy"}, "Not a valid float value."),
        ({"hold_max_seconds": "600"}, "Must be a whole number from 15 to 120."),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_saved(
    client, physio, patient, make, changes, message
):
    programme = make.programme(patient)
    client.login_as(physio)
    data = GOOD | changes | {"version_id": str(programme.current_version_id)}
    response = client.post_form(_url(patient, programme), data)
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert _versions(programme) == 1


# --- The other rule settings (issue 14 item 9) ----------------------------------------------


def test_new_versions_take_the_clinics_rule_settings(make, patient):
    programme = make.programme(patient)
    settings = svc.settings_of(db.session.get(ProgrammeVersion, programme.current_version_id))
    assert (settings.adherent_percent, settings.silent_days, settings.load_step_kg) == (80, 3, 0.5)
    assert (settings.isotonic_reps_max, settings.hold_max_seconds) == (15, 60)


def test_a_physio_changes_the_rule_settings_for_one_patient(client, physio, patient, make):
    programme = make.programme(patient)
    client.login_as(physio)
    page = client.get(_url(patient, programme)).get_data(as_text=True)
    assert "Adherent at" in page and "Clinic defaults: adherent at 80%" in page
    changes = {"adherent_percent": "90", "load_step_kg": "1", "hold_max_seconds": "45"}
    data = GOOD | changes | {"version_id": str(programme.current_version_id)}
    assert client.post_form(_url(patient, programme), data).status_code == 302
    version = svc.load_version(programme.current_version_id)
    settings = svc.settings_of(version)
    assert (settings.adherent_percent, settings.load_step_kg, settings.hold_max_seconds) == (
        90,
        1.0,
        45,
    )
    assert settings.silent_days == 3  # left blank: the clinic's default
    assert "Rule settings: adherent at 90%, holds up to 45 s, then one more hold" in version.summary
    assert "load in steps of 1 kg" in version.summary
