"""How failures are logged: what failed and where, never the error's message.

A database error's message quotes the row it was writing, which may be health data (a
patient's note, a pain score), so logs carry the exception's type and traceback only.
"""

import logging
import traceback


def log_failure(logger: logging.Logger, what: str, error: BaseException) -> None:
    """Log that `what` failed with error's type, and where (its traceback, not its message)."""
    logger.error(
        "%s failed with %s at\n%s",
        what,
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)),
    )
