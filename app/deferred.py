"""Work to do after the response is sent: defer(func, *args) now, run it once the reply is out.

Not a service: like a request, the deferred run is a unit of work that commits or rolls back.

Inside a request, defer() records the call on flask.g; an after_request hook (registered by
create_app through register()) hands the list to response.call_on_close, which the WSGI server
calls after the last byte is sent. Each call then runs in a fresh app context, so with its own
database session, and commits; a failure is logged and rolled back, and never reaches the
request that deferred it (the patient's tick is already stored and answered).

Outside a request (CLI, seeding, tests calling services directly) defer() runs the call at
once, in the caller's session, and the caller commits as usual.

Pass ids, not ORM objects: the request's session is gone by the time deferred work runs.
"""

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, cast

from flask import Flask, Response, current_app, g, has_request_context

from app.extensions import db
from app.failures import log_failure

logger = logging.getLogger(__name__)

Work = tuple[Callable[..., Any], tuple[Any, ...]]


def defer(func: Callable[..., Any], *args: Any) -> None:
    """Run func(*args) after this request's response is sent (at once outside a request)."""
    if not has_request_context():
        func(*args)
        return
    g.setdefault("deferred_work", []).append((func, args))


def register(app: Flask) -> None:
    """Run each request's deferred work when its response is closed."""
    app.after_request(_run_after_response)


def _run_after_response(response: Response) -> Response:
    work: list[Work] = g.pop("deferred_work", [])
    if work:
        app: Flask = cast(Any, current_app)._get_current_object()
        response.call_on_close(partial(run_deferred, app, work))
    return response


def run_deferred(app: Flask, work: list[Work]) -> None:
    """Run each call in its own app context and transaction; log and swallow failures."""
    for func, args in work:
        with app.app_context():
            try:
                func(*args)
                db.session.commit()
            except Exception as error:
                db.session.rollback()
                log_failure(logger, f"deferred {func.__qualname__}", error)
