"""`flask worker`: runs scheduled work (the reminders due, the queued suggestion refreshes)
until SIGTERM or Ctrl+C.

Not a service: like a request or app/deferred.py, each run is a unit of work that commits.
Several workers may run at once (two servers, or a restart overlapping): each reminder row is
unique per patient, slot and local date, and claimed by one conditional UPDATE, so it is sent
once. A crash after claiming leaves the claim to expire (reminders.CLAIM_FOR); another worker
then sends it, and the push's Topic and the notification's tag keep the phone to one.
"""

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType

from flask import Flask

from app.domain.localtime import utcnow
from app.extensions import db
from app.failures import log_failure
from app.services import reminders, suggestions

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# The scheduled jobs, each run with the time now; add new kinds of work here.
JOBS: tuple[Callable[[datetime], dict[str, int]], ...] = (reminders.run_due, suggestions.run_due)


def run_once(app: Flask, clock: Clock | None = None) -> dict[str, int]:
    """Run every job due at clock() (default: now) once; a failing job is logged, rolled back."""
    clock = clock or utcnow
    counts: dict[str, int] = {}
    with app.app_context():
        for job in JOBS:
            try:
                for key, value in job(clock()).items():
                    counts[key] = counts.get(key, 0) + value
            except Exception as error:
                db.session.rollback()
                log_failure(logger, f"worker job {job.__qualname__}", error)
                counts["errors"] = counts.get("errors", 0) + 1
            finally:
                db.session.remove()
    return counts


def run_forever(app: Flask, poll_seconds: float, clock: Clock | None = None) -> None:
    """Run the jobs every poll_seconds until SIGTERM or SIGINT; finish the current run first."""
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    logger.info("worker started, polling every %s s", poll_seconds)
    while not stop.is_set():
        run_once(app, clock)
        stop.wait(poll_seconds)
    logger.info("worker stopped")
