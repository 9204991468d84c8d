"""The clinic's media rules: what may be attached, how large, and how a video is recognised.

Pure functions of bytes and numbers (no Flask, no Pillow): the service streams and decodes,
this module says yes or no and why, in the words staff read beside the upload form.
"""

from dataclasses import dataclass
from typing import Final

from app.domain.inputs import text_error

MB: Final = 1024 * 1024
PHOTO_MAX_BYTES: Final = 10 * MB
VIDEO_MAX_BYTES: Final = 50 * MB
# The largest side of a photo once stored: sharp on any phone or printed handout, small on disk.
PHOTO_MAX_SIDE: Final = 1600
# Pillow refuses to decode an image of more pixels (a "decompression bomb": a small file that
# unpacks into gigabytes). 50 megapixels is more than any phone camera takes today.
PHOTO_MAX_PIXELS: Final = 50_000_000
DESCRIPTION_MAX_CHARS: Final = 200
# Bytes read from the start of a video to recognise its container.
SIGNATURE_BYTES: Final = 64

PHOTO_FORMATS: Final = frozenset({"JPEG", "PNG", "WEBP"})  # Pillow's names for what we accept
PHOTO_TYPE: Final = "image/jpeg"  # every photo is re-encoded to JPEG: any browser, any printer
MP4: Final = "video/mp4"
WEBM: Final = "video/webm"
EXTENSIONS: Final = {PHOTO_TYPE: "jpg", MP4: "mp4", WEBM: "webm"}

# The file input's accept attribute: a hint to the phone's picker, never trusted.
ACCEPT: Final = (
    "image/jpeg,image/png,image/webp,video/mp4,video/webm,.jpg,.jpeg,.png,.webp,.mp4,.webm"
)
LIMITS_TEXT: Final = (
    "Photos: JPEG, PNG or WebP up to 10 MB. Videos: MP4 or WebM up to 50 MB, short clips play best."
)

# The messages, one per refusal, each saying that nothing was stored.
NO_FILE: Final = "Choose a photo or a video to upload."
WRONG_TYPE: Final = (
    "That file is not a JPEG, PNG or WebP photo nor an MP4 or WebM video: nothing was stored."
)
PHOTO_TOO_LARGE: Final = "That photo is larger than 10 MB: nothing was stored."
VIDEO_TOO_LARGE: Final = "That video is larger than 50 MB: nothing was stored."
UPLOAD_TOO_LARGE: Final = (
    "That file is larger than 50 MB, the most a video may be: nothing was stored."
)
CORRUPT_PHOTO: Final = "That photo could not be read (damaged or incomplete): nothing was stored."
PHOTO_TOO_MANY_PIXELS: Final = (
    "That photo has too many pixels to process (over 50 megapixels): nothing was stored."
)
NO_DESCRIPTION: Final = (
    "Describe the photo or video in a few words (read aloud to people who cannot see it)."
)
DESCRIPTION_TOO_LONG: Final = f"Keep the description to {DESCRIPTION_MAX_CHARS} characters."

# MP4 major or compatible brands of the ISO base media file format that browsers play.
# QuickTime ("qt  ", an iPhone's .mov) is not MP4 and most browsers other than Safari
# cannot play it, so it is refused: the phone can share the clip as MP4.
MP4_BRANDS: Final = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
     b"dash", b"mmp4", b"MSNV"}
)  # fmt: skip
EBML_MAGIC: Final = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE_ID: Final = b"\x42\x82"


@dataclass(frozen=True)
class UploadKind:
    """What a file is, judged from its first bytes: a photo for Pillow, or a video type."""

    kind: str  # photo | video
    content_type: str  # the stored type (photos: after re-encoding)

    @property
    def max_bytes(self) -> int:
        return PHOTO_MAX_BYTES if self.kind == "photo" else VIDEO_MAX_BYTES

    @property
    def too_large(self) -> str:
        return PHOTO_TOO_LARGE if self.kind == "photo" else VIDEO_TOO_LARGE


PHOTO: Final = UploadKind("photo", PHOTO_TYPE)

# The first bytes of the photo formats, so a file is sorted before it is decoded.
_PHOTO_MAGIC: Final = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


def kind_of(head: bytes) -> UploadKind | None:
    """Sort a file by its first bytes (its signature, never its name): None when not accepted."""
    if head.startswith(_PHOTO_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return PHOTO
    video = video_type(head)
    return UploadKind("video", video) if video else None


def video_type(head: bytes) -> str | None:
    """The container of a video from its first bytes: MP4, WebM, or None for anything else.

    MP4: an 'ftyp' box at offset 4 whose major brand, or one of its compatible brands, is
    one of MP4_BRANDS. WebM: the EBML magic 1A 45 DF A3 and, in that header, DocType "webm"
    (Matroska's other files, .mkv, say "matroska" and browsers do not play them).
    """
    if head[4:8] == b"ftyp":
        size = int.from_bytes(head[0:4], "big")
        if not 16 <= size <= len(head) or (size - 8) % 4:
            size = min(len(head), 32)  # a long ftyp box: judge by the brands we have
        brands = {head[i : i + 4] for i in range(8, size, 4) if i != 12}  # 12: minor version
        return MP4 if brands & MP4_BRANDS else None
    if head.startswith(EBML_MAGIC):
        return WEBM if ebml_doctype(head) == b"webm" else None
    return None


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """Read an EBML variable-length integer at data[at:]: (value, its length) or None."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 8 - data[at].bit_length() + 1
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, length


def ebml_doctype(head: bytes) -> bytes | None:
    """The DocType of an EBML header at the start of head (b"webm", b"matroska"), or None."""
    if not head.startswith(EBML_MAGIC):
        return None
    size = _vint(head, 4, keep_marker=False)
    if size is None:
        return None
    at = 4 + size[1]
    end = min(len(head), at + size[0])
    while at < end:
        element = _vint(head, at, keep_marker=True)
        if element is None:
            return None
        id_bytes = head[at : at + element[1]]
        at += element[1]
        length = _vint(head, at, keep_marker=False)
        if length is None:
            return None
        at += length[1]
        if id_bytes == EBML_DOCTYPE_ID:
            return head[at : at + length[0]]
        at += length[0]
    return None


def description_error(text: str) -> str | None:
    """What is wrong with the alt text staff wrote, or None: it is required, and short."""
    return text_error(
        text, DESCRIPTION_MAX_CHARS, required=NO_DESCRIPTION, too_long=DESCRIPTION_TOO_LONG
    )


def fitted_size(width: int, height: int, max_side: int = PHOTO_MAX_SIDE) -> tuple[int, int]:
    """The size a photo is stored at: the same, or shrunk so its longer side is max_side."""
    longer = max(width, height)
    if longer <= max_side:
        return width, height
    scale = max_side / longer
    return max(1, round(width * scale)), max(1, round(height * scale))
