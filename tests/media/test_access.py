"""Who is served a file, and how: policy first, Range for video, never cached when health data.

The authorization matrix (tests/security) covers every route for patient A's own photo; this
adds the clinic exercise's media, which patients see only when it was prescribed to them.
"""

import pytest

from app.models import Role
from app.services import media as media_svc
from tests.media.conftest import mp4_bytes


@pytest.fixture
def people(make, clinic, physio, patient):  # type: ignore[no-untyped-def]
    """A clinic exercise with a video, prescribed to one patient and not another."""
    exercise = make.exercise(name="Clinic clam", clinic_id=clinic.id, created_by_id=physio.id)
    video = make.media(exercise, mp4_bytes(10_000), "Clam, side view")
    make.programme(patient, [exercise])
    other_physio = make.staff(clinic, Role.PHYSIO)
    not_prescribed = make.patient(physio)
    make.programme(not_prescribed, [make.exercise()])
    other_clinic = make.clinic("Elsewhere")
    return {
        "video": video,
        "physio": physio,
        "other_physio": other_physio,
        "prescribed": patient.user,
        "not_prescribed": not_prescribed.user,
        "other_clinic_admin": make.staff(other_clinic, Role.ADMIN),
        "other_clinic_patient": make.patient(make.staff(other_clinic)).user,
    }


@pytest.mark.parametrize(
    "who, status",
    [
        ("physio", 200),
        ("other_physio", 200),  # the clinic's exercise is the whole clinic's
        ("prescribed", 200),
        ("not_prescribed", 404),
        ("other_clinic_admin", 404),
        ("other_clinic_patient", 404),
    ],
)
def test_a_clinic_exercises_media_is_served_to_those_who_may_see_it(
    db, client, people, who, status
):  # type: ignore[no-untyped-def]
    client.login_as(people[who])
    assert client.get(f"/media/{people['video'].id}").status_code == status


def test_signed_out_visitors_are_sent_to_log_in(db, client, people):  # type: ignore[no-untyped-def]
    response = client.get(f"/media/{people['video'].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_video_answers_range_requests(db, client, people):  # type: ignore[no-untyped-def]
    client.login_as(people["prescribed"])
    response = client.get(f"/media/{people['video'].id}", headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == "bytes 100-199/10000"
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.data == mp4_bytes(10_000)[100:200]
    assert response.headers["Accept-Ranges"] == "bytes"


def test_files_are_typed_and_never_sniffed(db, client, people):  # type: ignore[no-untyped-def]
    client.login_as(people["physio"])
    response = client.get(f"/media/{people['video'].id}")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Content-Disposition"].startswith("inline")
    again = client.get(
        f"/media/{people['video'].id}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_patients_own_media_is_never_stored_by_a_browser(db, client, physio, patient, make):  # type: ignore[no-untyped-def]
    programme = make.programme(patient, [make.exercise()])
    photo = make.media((patient, programme, 1), by=physio)
    client.login_as(patient.user)
    response = client.get(f"/media/{photo.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_missing_file_is_not_found(db, client, people):  # type: ignore[no-untyped-def]
    media_svc.path_of(people["video"]).unlink()
    client.login_as(people["physio"])
    assert client.get(f"/media/{people['video'].id}").status_code == 404


def test_an_unknown_media_id_is_not_found(db, client, physio):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    assert client.get("/media/999999").status_code == 404


def test_the_upload_pages_of_another_clinics_exercise_are_hidden(db, client, people):  # type: ignore[no-untyped-def]
    video = people["video"]
    client.login_as(people["other_clinic_admin"])
    assert client.get(f"/library/{video.exercise_id}/media").status_code == 404
    remove = f"/library/{video.exercise_id}/media/{video.id}/remove"
    assert client.post_form(remove, {"confirm": "y"}).status_code == 404
    assert media_svc.path_of(video).is_file()


def test_file_requests_add_no_audit_rows_but_a_refusal_is_noted(db, client, physio, patient, make):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from app.models import AuditEvent

    programme = make.programme(patient, [make.exercise()])
    photo = make.media((patient, programme, 1), by=physio)

    def actions() -> list[str]:
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))

    before = actions()
    client.login_as(physio)
    for _ in range(3):
        assert client.get(f"/media/{photo.id}", headers={"Range": "bytes=0-9"}).status_code == 206
    assert actions() == before
    client.login_as(make.staff(make.clinic("Elsewhere"), Role.PHYSIO))
    assert client.get(f"/media/{photo.id}").status_code == 404
    assert actions()[len(before) :] == ["patient.access_refused"]
