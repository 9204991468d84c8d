"""Reading numbers typed into URLs, forms and JSON: ASCII digits only, within stated bounds;
and the one check of a required, length-limited text (a message, a media description).

The one reader of a whole number from text. Python's int() and str.isdigit() accept any
Unicode digit ("²", "٣"), and an unbounded number overflows a database integer or an OFFSET;
both used to end in a server error. A bad value is refused with a message by its field
(errors.Refused), which the app answers with 400 (query strings) or 422 (forms).
"""

from app.domain.errors import Refused

ID_MAX = 2**31 - 1  # the largest id an integer column holds (PostgreSQL's integer)
PAGE_MAX = 10_000  # far past the last page of any list; keeps OFFSET small
MAX_DIGITS = 12


def whole_number(text: str | None, field: str, *, low: int = 1, high: int = ID_MAX) -> int | None:
    """Read a whole number written in ASCII digits; None when empty; Refused otherwise."""
    if text is None or not text.strip():
        return None
    digits = text.strip()
    readable = is_ascii_digits(digits) and len(digits) <= MAX_DIGITS
    number = int(digits) if readable else None
    if number is None or not low <= number <= high:
        raise Refused({field: f"{field} must be a whole number from {low} to {high}."})
    return number


def is_ascii_digits(text: str) -> bool:
    """Tell whether text is one or more ASCII digits (what int() may safely read)."""
    return text.isascii() and text.isdigit()


def text_error(text: str, max_chars: int, *, required: str, too_long: str) -> str | None:
    """Why a required text cannot be kept as written (blank, or too long once trimmed), or None."""
    if not text.strip():
        return required
    if len(text.strip()) > max_chars:
        return too_long
    return None
