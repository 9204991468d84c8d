"""Messages between a patient and their physio: size and rate limits, in the app's words."""

from datetime import timedelta

from app.domain.inputs import text_error

MESSAGE_MAX_CHARS = 2000
# Enough for a conversation, not for a script flooding the physio's inbox.
MESSAGES_PER_HOUR = 30
RATE_WINDOW = timedelta(hours=1)

MESSAGE_REQUIRED = "Write a message first."
MESSAGE_TOO_LONG = f"Keep the message to {MESSAGE_MAX_CHARS} characters or fewer."
RATE_LIMITED = (
    f"That is {MESSAGES_PER_HOUR} messages in the last hour: please wait a little "
    "before sending more."
)


def message_error(text: str) -> str | None:
    """Return why a message cannot be sent as written, or None."""
    return text_error(text, MESSAGE_MAX_CHARS, required=MESSAGE_REQUIRED, too_long=MESSAGE_TOO_LONG)


def rate_error(sent_in_window: int) -> str | None:
    """Return why one more message may not be sent now, given those sent in the window."""
    return RATE_LIMITED if sent_in_window >= MESSAGES_PER_HOUR else None
