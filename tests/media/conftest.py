"""Media test helpers: files of each kind made here, the media folder's contents, an upload."""

import io
from pathlib import Path

import pytest

from app.domain import media as rules
from tests.factories import photo_bytes


def mp4_bytes(size: int = 4096, brand: bytes = b"isom") -> bytes:
    """The start of an MP4 file (an ftyp box, then filler) of size bytes."""
    box = (24).to_bytes(4, "big") + b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + brand
    return box + b"\x00" * (size - len(box))


def webm_bytes(size: int = 4096, doctype: bytes = b"webm") -> bytes:
    kind = b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    head = rules.EBML_MAGIC + bytes([0x80 | len(kind)]) + kind
    return head + b"\x00" * (size - len(head))


def folder_files(app) -> set[str]:  # type: ignore[no-untyped-def]
    """Every file in the media folder (temporary ones too)."""
    folder = Path(app.config["MEDIA_FOLDER"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def upload(
    client, url: str, content: bytes | None, name: str = "clip.bin", description="Side view"
):  # type: ignore[no-untyped-def]
    """POST the upload form as a browser does (multipart, with the CSRF token).

    The body is built here, in memory: werkzeug's test client spools a multipart body over
    500 kB to a temporary file that it never closes (a ResourceWarning, an error here).
    """
    fields = {"csrf_token": client.csrf_token(), "description": description}
    boundary = "----stride-test-boundary"
    body = io.BytesIO()
    for key, value in fields.items():
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode())
        body.write(value.encode() + b"\r\n")
    if content is not None:
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        body.write(content + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return client.post(
        url, data=body.getvalue(), content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.fixture
def clinic_exercise(make, clinic, physio):  # type: ignore[no-untyped-def]
    return make.exercise(name="Clinic clam", clinic_id=clinic.id, created_by_id=physio.id)


__all__ = ["folder_files", "mp4_bytes", "photo_bytes", "upload", "webm_bytes"]
