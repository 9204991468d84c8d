"""The media rules as plain functions: a file is sorted by its signature, never by its name."""

import pytest

from app.domain import media as rules


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


def _ebml(doctype: bytes) -> bytes:
    version = b"\x42\x86\x81\x01"  # EBMLVersion 1
    kind = b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    body = version + kind
    return rules.EBML_MAGIC + bytes([0x80 | len(body)]) + body + b"\x18\x53\x80\x67"


@pytest.mark.parametrize(
    "head, expected",
    [
        (_ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), rules.MP4),
        (_ftyp(b"mp42", b"mp42", b"isom"), rules.MP4),
        (_ftyp(b"M4V ", b"M4V ", b"mp42"), rules.MP4),
        (_ftyp(b"XXXX", b"isom"), rules.MP4),  # an odd major brand, but MP4-compatible
        (_ftyp(b"qt  ", b"qt  "), None),  # QuickTime .mov: not MP4
        (_ftyp(b"heic", b"mif1", b"heic"), None),  # an iPhone photo is an ftyp file too
        (_ebml(b"webm"), rules.WEBM),
        (_ebml(b"matroska"), None),  # .mkv: browsers do not play it
        (rules.EBML_MAGIC + b"\x80", None),  # a header with nothing in it
        (rules.EBML_MAGIC, None),
        (b"RIFF\x00\x00\x00\x00AVI LIST", None),
        (b"GIF89a" + b"\x00" * 20, None),
        (b"\x00" * 64, None),
        (b"", None),
    ],
    ids=[
        "mp4-isom", "mp4-mp42", "m4v", "mp4-compatible-brand", "quicktime", "heic",
        "webm", "matroska", "empty-ebml", "ebml-magic-only", "avi", "gif", "zeros", "nothing",
    ],
)  # fmt: skip
def test_video_type_reads_the_container_signature(head, expected):
    assert rules.video_type(head) == expected


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"\xff\xd8\xff\xe0" + b"\x00" * 12, "photo"),  # JPEG
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, "photo"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "photo"),
        (_ftyp(b"isom", b"isom"), "video"),
        (_ebml(b"webm"), "video"),
        (b"GIF89a" + b"\x00" * 10, None),
        (b"%PDF-1.7\n", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'>", None),  # could carry script: refused
        (b"MZ\x90\x00", None),
    ],
    ids=["jpeg", "png", "webp", "mp4", "webm", "gif", "pdf", "svg", "exe"],
)
def test_kind_of_accepts_only_the_listed_formats(head, kind):
    found = rules.kind_of(head)
    assert (found.kind if found else None) == kind


@pytest.mark.parametrize(
    "text, message",
    [
        ("", rules.NO_DESCRIPTION),
        ("   ", rules.NO_DESCRIPTION),
        ("Side view of the start position", None),
        ("x" * rules.DESCRIPTION_MAX_CHARS, None),
        ("x" * (rules.DESCRIPTION_MAX_CHARS + 1), rules.DESCRIPTION_TOO_LONG),
    ],
)
def test_a_description_is_required_and_short(text, message):
    assert rules.description_error(text) == message


@pytest.mark.parametrize(
    "size, fitted",
    [
        ((800, 600), (800, 600)),
        ((1600, 1200), (1600, 1200)),
        ((4032, 3024), (1600, 1200)),
        ((3024, 4032), (1200, 1600)),
        ((10000, 10), (1600, 2)),
    ],
)
def test_photos_are_shrunk_to_the_longest_side_only_when_larger(size, fitted):
    assert rules.fitted_size(*size) == fitted


def test_each_kind_has_its_own_size_limit_and_message():
    assert rules.PHOTO.max_bytes == 10 * 1024 * 1024
    assert rules.kind_of(_ebml(b"webm")).max_bytes == 50 * 1024 * 1024
    assert "nothing was stored" in rules.PHOTO.too_large
