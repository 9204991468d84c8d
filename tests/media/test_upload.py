"""Uploading media: what is accepted and how it is stored; every refusal stores nothing."""

import io
import os

import pytest
import sqlalchemy as sa
from PIL import Image

from app.domain import media as rules
from app.models import Media
from app.services import media as media_svc
from tests.factories import photo_bytes
from tests.media.conftest import folder_files, mp4_bytes, upload, webm_bytes


def _exercise_url(exercise) -> str:  # type: ignore[no-untyped-def]
    return f"/library/{exercise.id}/media"


def _rows(db) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(Media))


def test_staff_add_a_photo_to_a_clinic_exercise_re_encoded_as_jpeg(
    app, db, client, physio, clinic_exercise
):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    before = folder_files(app)
    response = upload(client, _exercise_url(clinic_exercise), photo_bytes(fmt="PNG"), "me.png")
    assert response.status_code == 302
    [media] = media_svc.of_exercise(clinic_exercise.id)
    assert (media.kind, media.content_type, media.description) == (
        "photo",
        "image/jpeg",
        "Side view",
    )
    assert (media.width, media.height) == (40, 30)
    assert media.created_by_id == physio.id
    # A random name on disk, never the user's; nothing else left behind.
    assert folder_files(app) - before == {media.stored_name}
    assert "me" not in media.stored_name and media.stored_name.endswith(".jpg")
    with Image.open(media_svc.path_of(media)) as stored:
        assert stored.format == "JPEG"


def test_exif_is_stripped_and_its_orientation_applied(app, db, client, physio, clinic_exercise):  # type: ignore[no-untyped-def]
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude: where the photo was taken
    exif[0x010F] = "PhoneMaker"
    original = photo_bytes(size=(60, 20), fmt="JPEG", exif=exif)
    client.login_as(physio)
    upload(client, _exercise_url(clinic_exercise), original, "IMG_0001.jpg")
    [media] = media_svc.of_exercise(clinic_exercise.id)
    assert (media.width, media.height) == (20, 60)  # turned upright
    with Image.open(media_svc.path_of(media)) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info and "icc_profile" not in stored.info
    assert b"PhoneMaker" not in media_svc.path_of(media).read_bytes()


def test_large_photos_are_shrunk_and_transparency_laid_on_white(
    app, db, client, physio, clinic_exercise
):  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    Image.new("RGBA", (3200, 800), (0, 0, 0, 0)).save(buffer, "WEBP")
    client.login_as(physio)
    upload(client, _exercise_url(clinic_exercise), buffer.getvalue(), "wide.webp")
    [media] = media_svc.of_exercise(clinic_exercise.id)
    assert (media.width, media.height) == (1600, 400)
    with Image.open(media_svc.path_of(media)) as stored:
        assert stored.mode == "RGB"
        assert stored.getpixel((10, 10)) >= (250, 250, 250)


@pytest.mark.parametrize(
    "content, name, content_type",
    [(mp4_bytes(), "clip.mp4", "video/mp4"), (webm_bytes(), "clip.webm", "video/webm")],
    ids=["mp4", "webm"],
)
def test_videos_are_kept_as_sent_with_their_container_type(
    app, db, client, physio, clinic_exercise, content, name, content_type
):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    assert upload(client, _exercise_url(clinic_exercise), content, name).status_code == 302
    [media] = media_svc.of_exercise(clinic_exercise.id)
    assert (media.kind, media.content_type, media.size_bytes) == (
        "video",
        content_type,
        len(content),
    )
    assert media_svc.path_of(media).read_bytes() == content


def _bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, "PNG")  # 64 megapixels, a few kB on disk
    return buffer.getvalue()


def _noise_png(megabytes: int) -> bytes:
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 8
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


REFUSALS = {
    "no-file": (None, "x.jpg", "Side view", {"file": rules.NO_FILE}),
    "empty-file": (b"", "x.jpg", "Side view", {"file": rules.NO_FILE}),
    "text-named-jpg": (
        b"hello, I am not a photo" * 10,
        "x.jpg",
        "Side view",
        {"file": rules.WRONG_TYPE},
    ),
    "gif": (photo_bytes(fmt="GIF"), "x.gif", "Side view", {"file": rules.WRONG_TYPE}),
    "svg": (
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>",
        "x.png",
        "Side view",
        {"file": rules.WRONG_TYPE},
    ),
    "quicktime": (mp4_bytes(brand=b"qt  "), "x.mp4", "Side view", {"file": rules.WRONG_TYPE}),
    "matroska": (
        webm_bytes(doctype=b"matroska"),
        "x.webm",
        "Side view",
        {"file": rules.WRONG_TYPE},
    ),
    "truncated-png": (
        photo_bytes(size=(200, 200))[:-40],
        "x.png",
        "Side view",
        {"file": rules.CORRUPT_PHOTO},
    ),
    "truncated-jpeg": (
        photo_bytes(size=(400, 400), fmt="JPEG", colour="red")[:300],
        "x.jpg",
        "Side view",
        {"file": rules.CORRUPT_PHOTO},
    ),
    "png-signature-only": (
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        "x.png",
        "Side view",
        {"file": rules.CORRUPT_PHOTO},
    ),
    "decompression-bomb": (_bomb, "x.png", "Side view", {"file": rules.PHOTO_TOO_MANY_PIXELS}),
    "photo-over-10-mb": (
        lambda: _noise_png(11),
        "x.png",
        "Side view",
        {"file": rules.PHOTO_TOO_LARGE},
    ),
    "missing-description": (photo_bytes(), "x.png", "  ", {"description": rules.NO_DESCRIPTION}),
    "long-description": (
        photo_bytes(),
        "x.png",
        "x" * 201,
        {"description": rules.DESCRIPTION_TOO_LONG},
    ),
    "both-wrong": (
        b"nope" * 10,
        "x.jpg",
        "",
        {"file": rules.WRONG_TYPE, "description": rules.NO_DESCRIPTION},
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_refused_upload_says_why_and_stores_nothing(
    app, db, client, physio, clinic_exercise, case
):  # type: ignore[no-untyped-def]
    content, name, description, messages = REFUSALS[case]
    content = content() if callable(content) else content  # the large ones made when run
    client.login_as(physio)
    before_files, before_rows = folder_files(app), _rows(db)
    response = upload(client, _exercise_url(clinic_exercise), content, name, description)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was stored" in page
    for message in messages.values():
        assert message.replace("'", "&#39;") in page
    assert _rows(db) == before_rows
    assert folder_files(app) == before_files  # no file, and no temporary file either


def test_a_video_over_its_limit_is_refused_while_it_streams(
    app, db, client, physio, clinic_exercise, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(rules, "VIDEO_MAX_BYTES", 10_000)
    client.login_as(physio)
    before = folder_files(app)
    response = upload(client, _exercise_url(clinic_exercise), mp4_bytes(10_001), "big.mp4")
    assert response.status_code == 422
    assert rules.VIDEO_TOO_LARGE in response.get_data(as_text=True)
    assert media_svc.of_exercise(clinic_exercise.id) == []
    assert folder_files(app) == before


def test_a_body_over_the_upload_cap_is_413_with_a_clear_message(
    app, db, client, physio, clinic_exercise
):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    before = folder_files(app)
    response = upload(client, _exercise_url(clinic_exercise), mp4_bytes(51 * 1024 * 1024), "x.mp4")
    assert response.status_code == 413
    assert "larger than 50 MB" in response.get_data(as_text=True)
    assert media_svc.of_exercise(clinic_exercise.id) == []
    assert folder_files(app) == before


def test_other_pages_keep_the_one_megabyte_cap(app, db, client, physio):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    response = upload(client, "/library/new", photo_bytes(), "x.png", "x" * (2 * 1024 * 1024))
    assert response.status_code == 413


def test_the_form_states_the_limits_and_asks_for_a_description(db, client, physio, clinic_exercise):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    page = client.get(_exercise_url(clinic_exercise)).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert f'accept="{rules.ACCEPT}"' in page
    assert "up to 10 MB" in page and "up to 50 MB" in page
    assert "Short description" in page


def test_the_shipped_library_takes_no_uploads(db, client, physio, make):  # type: ignore[no-untyped-def]
    shipped = make.exercise()
    client.login_as(physio)
    assert upload(client, _exercise_url(shipped), photo_bytes(), "x.png").status_code == 403


def test_an_archived_exercise_takes_no_new_media(db, client, physio, clinic_exercise):  # type: ignore[no-untyped-def]
    clinic_exercise.archived = True
    client.login_as(physio)
    response = upload(client, _exercise_url(clinic_exercise), photo_bytes(), "x.png")
    assert response.status_code == 302
    assert media_svc.of_exercise(clinic_exercise.id) == []


def test_staff_record_a_photo_for_one_patients_line(app, db, client, physio, patient, make):  # type: ignore[no-untyped-def]
    programme = make.programme(patient, [make.exercise()])
    client.login_as(physio)
    url = f"/patients/{patient.id}/programmes/{programme.id}/lines/1/media"
    assert (
        upload(client, url, photo_bytes(), "today.png", "Your squat, front view").status_code == 302
    )
    [media] = media_svc.of_line(patient.id, programme.id, 1)
    assert (media.patient_id, media.clinic_id, media.exercise_id) == (
        patient.id,
        patient.clinic_id,
        None,
    )
    assert client.get(url).status_code == 200


def test_a_line_not_in_the_plan_has_no_media_page(db, client, physio, patient, make):  # type: ignore[no-untyped-def]
    programme = make.programme(patient, [make.exercise()])
    client.login_as(physio)
    url = f"/patients/{patient.id}/programmes/{programme.id}/lines/9/media"
    assert client.get(url).status_code == 404


def test_a_large_upload_from_someone_not_signed_in_is_refused_before_it_is_read(
    app, db, client, clinic_exercise
):  # type: ignore[no-untyped-def]
    # The upload cap is 50 MB for staff; anyone else keeps the one-megabyte cap of every page.
    before = folder_files(app)
    response = upload(client, _exercise_url(clinic_exercise), mp4_bytes(2 * 1024 * 1024), "x.mp4")
    assert response.status_code == 413
    assert "50 MB" not in response.get_data(as_text=True)
    assert media_svc.of_exercise(clinic_exercise.id) == []
    assert folder_files(app) == before
