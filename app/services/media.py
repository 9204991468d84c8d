"""The clinic's photos and videos: store an upload safely, find what a card shows, remove files.

An upload is checked before anything is kept: the description (alt text) is required, the
file is sorted by its first bytes (domain.media.kind_of, never its name or the browser's
type), copied to a temporary file under MEDIA_FOLDER with the size capped while it streams,
then a photo is decoded and re-encoded by Pillow (orientation applied, EXIF and every other
metadata dropped) and a video is kept as sent. Only then is it moved to its random name and
the row added. Any refusal raises Refused and leaves no row and no file.

Files are removed after the commit that removed their rows: sweep() runs as deferred work
(app/deferred.py) and unlinks only the names no row holds any more, so a rolled-back
deletion keeps its files and a rolled-back upload leaves none.
"""

import os
import secrets
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from app.deferred import defer
from app.domain import media as rules
from app.domain.errors import Refused
from app.extensions import db
from app.models import (
    Exercise,
    Media,
    Patient,
    User,
)

CHUNK = 1024 * 1024
JPEG_QUALITY = 85
# Pillow's own guard against decompression bombs, set to ours (it warns past it, and fails
# past twice it; _reencode_photo refuses both).
Image.MAX_IMAGE_PIXELS = rules.PHOTO_MAX_PIXELS


def folder() -> Path:
    """The folder the files live in (the MEDIA_FOLDER setting), made on first use."""
    path = Path(current_app.config["MEDIA_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(media: Media) -> Path:
    """Where a media row's file is on disk."""
    return Path(current_app.config["MEDIA_FOLDER"]) / media.stored_name


@dataclass(frozen=True)
class Target:
    """What an upload is attached to: a clinic exercise, or one line of a patient's programme."""

    clinic_id: int
    exercise_id: int | None = None
    patient_id: int | None = None
    programme_id: int | None = None
    line_id: int | None = None

    @classmethod
    def exercise(cls, exercise: Exercise) -> "Target":
        assert exercise.clinic_id is not None  # the shipped library takes no uploads
        return cls(clinic_id=exercise.clinic_id, exercise_id=exercise.id)

    @classmethod
    def line(cls, patient: Patient, programme_id: int, line_id: int) -> "Target":
        return cls(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            programme_id=programme_id,
            line_id=line_id,
        )


def store_upload(user: User, upload: IO[bytes] | None, description: str, target: Target) -> Media:
    """Check, convert and store one uploaded file, and add its row (the caller commits).

    Raises Refused ({"file": ..., "description": ...}) and stores nothing when the file is
    missing, of a type not accepted, too large or unreadable, or the description is missing.
    """
    errors: dict[str, str] = {}
    problem = rules.description_error(description)
    if problem:
        errors["description"] = problem
    head = upload.read(rules.SIGNATURE_BYTES) if upload is not None else b""
    kind = rules.kind_of(head) if head else None
    if not head:
        errors["file"] = rules.NO_FILE
    elif kind is None:
        errors["file"] = rules.WRONG_TYPE
    if errors or upload is None or kind is None:
        raise Refused(errors)
    base = folder()
    raw = base / f".upload-{secrets.token_hex(12)}"
    try:
        size = _copy_capped(head, upload, raw, kind)
        stored = base / f"{secrets.token_urlsafe(24)}.{rules.EXTENSIONS[kind.content_type]}"
        width = height = None
        if kind.kind == "photo":
            width, height = _reencode_photo(raw, stored)
            size = stored.stat().st_size
        else:
            os.replace(raw, stored)
    finally:
        raw.unlink(missing_ok=True)
    media = Media(
        clinic_id=target.clinic_id,
        exercise_id=target.exercise_id,
        patient_id=target.patient_id,
        programme_id=target.programme_id,
        line_id=target.line_id,
        kind=kind.kind,
        content_type=kind.content_type,
        stored_name=stored.name,
        size_bytes=size,
        width=width,
        height=height,
        description=description.strip(),
        created_by_id=user.id,
    )
    db.session.add(media)
    _count(media, +1)
    db.session.flush()
    # Should the transaction roll back after all, the file has no row: sweep it then.
    defer(sweep, [stored.name])
    return media


def _copy_capped(head: bytes, upload: IO[bytes], out: Path, kind: rules.UploadKind) -> int:
    """Write head and the rest of upload to out, refusing as soon as it passes the cap."""
    size = 0
    with out.open("wb") as target:
        chunk = head
        while chunk:
            size += len(chunk)
            if size > kind.max_bytes:
                raise Refused({"file": kind.too_large})
            target.write(chunk)
            chunk = upload.read(CHUNK)
    return size


def _reencode_photo(raw: Path, out: Path) -> tuple[int, int]:
    """Decode the photo fully, apply its EXIF orientation, shrink it and save a clean JPEG."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (then errors at twice the limit) on huge images: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(raw) as probe:
                if probe.format not in rules.PHOTO_FORMATS:
                    raise Refused({"file": rules.WRONG_TYPE})
                probe.verify()  # the file's structure and checksums, before decoding it
            with Image.open(raw) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                picture = _flattened(upright)
                picture.thumbnail(rules.fitted_size(*picture.size), Image.Resampling.LANCZOS)
                # No exif=, icc_profile= or comment: nothing of the original's metadata stays.
                picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
                return picture.size
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        out.unlink(missing_ok=True)
        raise Refused({"file": rules.PHOTO_TOO_MANY_PIXELS}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        out.unlink(missing_ok=True)
        raise Refused({"file": rules.CORRUPT_PHOTO}) from None


def _flattened(image: Image.Image) -> Image.Image:
    """The picture in RGB: transparency laid on white (JPEG has none), palettes expanded."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def remove(media: Media) -> None:
    """Delete a media row; its file goes once the deletion is committed."""
    name = media.stored_name
    _count(media, -1)
    db.session.delete(media)
    db.session.flush()
    defer(sweep, [name])


def _count(media: Media, change: int) -> None:
    """Keep the media count of the exercise or patient (read with their rows by the cards)."""
    model: type[Exercise] | type[Patient] = Exercise if media.exercise_id is not None else Patient
    owner_id = media.exercise_id if media.exercise_id is not None else media.patient_id
    db.session.execute(
        sa.update(model).where(model.id == owner_id).values(media_count=model.media_count + change)
    )


def sweep(names: Iterable[str]) -> None:
    """Unlink the files of these names that no media row holds (their rows were deleted)."""
    wanted = [name for name in names if name and "/" not in name and "\\" not in name]
    if not wanted:
        return
    kept = set(
        db.session.scalars(sa.select(Media.stored_name).where(Media.stored_name.in_(wanted)))
    )
    base = Path(current_app.config["MEDIA_FOLDER"])
    for name in wanted:
        if name not in kept:
            (base / name).unlink(missing_ok=True)


# --- reading ----------------------------------------------------------------------------------


def of_exercise(exercise_id: int) -> list[Media]:
    """A clinic exercise's media, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Media).where(Media.exercise_id == exercise_id).order_by(Media.id)
        )
    )


def of_line(patient_id: int, programme_id: int, line_id: int) -> list[Media]:
    """One line's own media (recorded in clinic for this patient), oldest first."""
    return list(
        db.session.scalars(
            sa.select(Media)
            .where(
                Media.patient_id == patient_id,
                Media.programme_id == programme_id,
                Media.line_id == line_id,
            )
            .order_by(Media.id)
        )
    )


def of_patient(patient_id: int) -> list[Media]:
    """Every media row of one patient (their download, their deletion)."""
    return list(
        db.session.scalars(
            sa.select(Media).where(Media.patient_id == patient_id).order_by(Media.id)
        )
    )


@dataclass(frozen=True)
class CardMedia:
    """The media of a page's cards, read in one statement: a card asks for its own."""

    by_line: dict[int, list[Media]] = field(default_factory=dict)
    by_exercise: dict[int, list[Media]] = field(default_factory=dict)

    def on_card(self, exercise_id: int, line_id: int | None = None) -> list[Media]:
        """The patient's own line media first ("recorded in clinic"), then the exercise's."""
        own = self.by_line.get(line_id, []) if line_id is not None else []
        return [*own, *self.by_exercise.get(exercise_id, [])]


def for_cards(
    exercise_ids: Iterable[int],
    patient_id: int | None = None,
    programme_id: int | None = None,
    line_ids: Sequence[int] = (),
) -> CardMedia:
    """The media of these exercises, and of these lines of one patient's programme."""
    exercise_ids = sorted(set(exercise_ids))
    conditions: list[sa.ColumnElement[bool]] = []
    if exercise_ids:
        conditions.append(Media.exercise_id.in_(exercise_ids))
    if patient_id is not None and programme_id is not None and line_ids:
        conditions.append(
            sa.and_(
                Media.patient_id == patient_id,
                Media.programme_id == programme_id,
                Media.line_id.in_(sorted(set(line_ids))),
            )
        )
    if not conditions:
        return CardMedia()
    cards = CardMedia()
    for media in db.session.scalars(sa.select(Media).where(sa.or_(*conditions)).order_by(Media.id)):
        if media.exercise_id is not None:
            cards.by_exercise.setdefault(media.exercise_id, []).append(media)
        elif media.line_id is not None:
            cards.by_line.setdefault(media.line_id, []).append(media)
    return cards
