"""Media leave with what they belong to: removed by staff (after a confirmation), or with the
patient; the file goes once the deletion is committed, never while a row still holds it."""

import io
import json
import zipfile

import sqlalchemy as sa

from app.models import Media, Role
from app.services import data_rights
from app.services import media as media_svc
from tests.media.conftest import mp4_bytes


def _exists(db, media_id: int) -> bool:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(Media.id).where(Media.id == media_id)) is not None


def test_removing_asks_first_then_deletes_the_row_and_the_file(db, client, physio, clinic, make):  # type: ignore[no-untyped-def]
    exercise = make.exercise(clinic_id=clinic.id, created_by_id=physio.id)
    photo = make.media(exercise, by=physio)
    photo_id, path = photo.id, media_svc.path_of(photo)
    url = f"/library/{exercise.id}/media/{photo_id}/remove"
    client.login_as(physio)
    page = client.get(url).get_data(as_text=True)
    assert "Remove this photo?" in page and "Tick the box to confirm" not in page
    unconfirmed = client.post_form(url, {})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm." in unconfirmed.get_data(
        as_text=True
    )
    assert path.is_file() and _exists(db, photo_id)
    assert client.post_form(url, {"confirm": "y"}).status_code == 302
    assert not _exists(db, photo_id)
    assert not path.exists()


def test_a_patients_line_media_is_removed_by_their_physio(db, client, physio, patient, make):  # type: ignore[no-untyped-def]
    programme = make.programme(patient, [make.exercise()])
    video = make.media((patient, programme, 1), mp4_bytes(), by=physio)
    path = media_svc.path_of(video)
    client.login_as(physio)
    url = f"/patients/{patient.id}/programmes/{programme.id}/lines/1/media/{video.id}/remove"
    assert client.post_form(url, {"confirm": "y"}).status_code == 302
    assert media_svc.of_line(patient.id, programme.id, 1) == []
    assert not path.exists()


def test_a_media_id_of_another_line_is_not_removed(db, client, physio, patient, make):  # type: ignore[no-untyped-def]
    programme = make.programme(patient, [make.exercise(), make.exercise()])
    photo = make.media((patient, programme, 2), by=physio)
    client.login_as(physio)
    url = f"/patients/{patient.id}/programmes/{programme.id}/lines/1/media/{photo.id}/remove"
    assert client.post_form(url, {"confirm": "y"}).status_code == 404
    assert media_svc.path_of(photo).is_file()


def test_sweep_keeps_a_file_whose_row_is_still_there(db, physio, clinic, make):  # type: ignore[no-untyped-def]
    """A deletion that rolled back leaves its row: the deferred sweep must keep the file."""
    photo = make.media(make.exercise(clinic_id=clinic.id), by=physio)
    media_svc.sweep([photo.stored_name, "../../etc/passwd"])
    assert media_svc.path_of(photo).is_file()


def test_deleting_a_patient_deletes_their_media_and_files_not_the_clinics(
    db, client, admin, physio, patient, clinic, make
):  # type: ignore[no-untyped-def]
    exercise = make.exercise(clinic_id=clinic.id)
    clinic_photo = make.media(exercise, by=physio)
    programme = make.programme(patient, [exercise])
    own = [
        make.media((patient, programme, 1), by=physio),
        make.media((patient, programme, 1), mp4_bytes()),
    ]
    paths = [media_svc.path_of(m) for m in own]
    assert data_rights.deletion_plan(patient).counts["media"] == 2
    client.login_as(admin)
    name = patient.user.name
    response = client.post_form(f"/admin/patients/{patient.id}/delete", {"confirm_name": name})
    assert response.status_code == 302
    left = db.session.scalars(sa.select(Media.id)).all()
    assert left == [clinic_photo.id]
    assert not any(p.exists() for p in paths)
    assert media_svc.path_of(clinic_photo).is_file()


def test_the_patients_download_holds_their_media_files(db, client, physio, patient, make):  # type: ignore[no-untyped-def]
    programme = make.programme(patient, [make.exercise(clinic_id=patient.clinic_id)])
    photo = make.media((patient, programme, 1), description="Your bridge", by=physio)
    video = make.media((patient, programme, 1), mp4_bytes(2048), description="Your squat")
    make.media(programme_exercise := programme.current_version.prescriptions[0].exercise)
    assert programme_exercise.clinic_id is not None
    client.login_as(patient.user)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/me/export.csv").data))
    names = set(archive.namelist())
    assert {f"media/photo-{photo.id}.jpg", f"media/video-{video.id}.mp4", "media.csv"} <= names
    assert archive.read(f"media/video-{video.id}.mp4") == mp4_bytes(2048)
    listing = archive.read("media.csv").decode()
    assert "Your bridge" in listing and "Your squat" in listing
    assert photo.stored_name not in listing
    assert len([n for n in names if n.startswith("media/")]) == 2  # not the clinic's own photo
    exported = json.loads(client.get("/me/export.json").data)
    assert [m["file"] for m in exported["media"]] == [
        f"media/photo-{photo.id}.jpg",
        f"media/video-{video.id}.mp4",
    ]


def test_another_patient_is_not_served_their_media(db, client, physio, patient, make):  # type: ignore[no-untyped-def]
    programme = make.programme(patient, [make.exercise()])
    photo = make.media((patient, programme, 1), by=physio)
    other = make.patient(make.staff(make.clinic("Other"), Role.PHYSIO))
    client.login_as(other.user)
    assert client.get(f"/media/{photo.id}").status_code == 404
