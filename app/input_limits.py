"""Input a client can send that must never reach a view as a server error: the app-wide rules.

- URL ids (<int:...>) are ASCII digits up to the largest database integer, else 404;
- JSON bodies nest at most MAX_JSON_DEPTH deep, else 400 (a deep body used to overflow the
  parser's recursion: a 500, even anonymously);
- bodies are capped by MAX_CONTENT_LENGTH, or by the view's own cap where it declares
  body_limit() (smaller for the sync API, larger for the media upload pages only); chunked
  bodies too (werkzeug stops reading at the cap and answers 413);
- a Refused that escapes a view (a bad ?page=, ?actor=, ?date=...) answers 400 with the
  message by its field (views.number_arg reads query numbers through domain.inputs).
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Flask, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge, SecurityError
from werkzeug.routing import IntegerConverter, Map

from app.domain.errors import Refused
from app.domain.inputs import ID_MAX
from config import trusted_hosts

F = TypeVar("F", bound=Callable[..., Any])

MAX_JSON_DEPTH = 32


class IdConverter(IntegerConverter):
    """<int:...> in URLs: ASCII digits only (\\d also matches "²"), at most ID_MAX."""

    regex = r"[0-9]{1,12}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def json_depth(value: object) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iteratively: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """request.get_json(): a body nested too deeply is unreadable JSON (400), not a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return value


def body_limit(max_bytes: int, errors: Mapping[str, str] | None = None) -> Callable[[F], F]:
    """Declare a view's own body cap instead of the app's MAX_CONTENT_LENGTH.

    errors: the view's own answer to a body over the cap (field -> message): the API's JSON
    error body, or the message of a page's 413.
    """

    def decorate(view: F) -> F:
        setattr(view, "max_content_length", max_bytes)  # noqa: B010 (read by cap_body below)
        setattr(view, "too_large", errors)  # noqa: B010
        return view

    return decorate


def refuse_long_stream() -> None:
    """A chunked body (no Content-Length) over the cap: 413, not a silently cut body.

    werkzeug stops reading at the cap and hands the view what it read; reading it here,
    then one byte more, turns "more than the cap" into RequestEntityTooLarge.
    """
    request.get_data(cache=True)
    request.stream.read(1)


def default_trusted_hosts(app: Flask) -> None:
    """Production answers only EXTERNAL_URL's host unless TRUSTED_HOSTS lists others.

    A missing EXTERNAL_URL is refused at start-up by config.check_production_settings.
    """
    if app.config.get("STRIDE_ENV") == "production" and not app.config.get("TRUSTED_HOSTS"):
        # Not listed: answer only the host of EXTERNAL_URL (set through create_app overrides).
        app.config["TRUSTED_HOSTS"] = trusted_hosts({"EXTERNAL_URL": app.config["EXTERNAL_URL"]})


def register(app: Flask) -> None:
    """Install the rules above on the app (before the blueprints add their routes)."""
    default_trusted_hosts(app)
    app.url_map.converters["int"] = IdConverter
    app.json = BoundedJSONProvider(app)

    def cap_body() -> None:
        view = app.view_functions.get(request.endpoint or "")
        limit = getattr(view, "max_content_length", None)
        # A view's larger cap (the uploads) is for a signed-in caller only: the CSRF check
        # reads the form before the view's login check runs, so without this anyone could
        # make the server take in 50 MB bodies only to be told to log in.
        if limit is not None and current_user.is_authenticated:
            request.max_content_length = limit
        streamed = request.content_length is None and "wsgi.input_terminated" in request.environ
        if streamed and request.method not in ("GET", "HEAD", "OPTIONS"):
            refuse_long_stream()

    # First of all before-request hooks: the rate limiter's and the NUL check read the body.
    app.before_request_funcs.setdefault(None, []).insert(0, cap_body)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
        from app import json_error

        view = app.view_functions.get(request.endpoint or "")
        errors = getattr(view, "too_large", None) if current_user.is_authenticated else None
        message = " ".join(errors.values()) if errors else "That request is too large."
        if request.path.startswith("/api/"):
            return json_error(413, message, errors)
        return render_template("error.html", status=413, message=message), 413

    @app.errorhandler(SecurityError)
    def unknown_host(error: SecurityError) -> ResponseReturnValue:
        # Not in TRUSTED_HOSTS: no URL can be built for this host, so no page either.
        return "Unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(Refused)
    def refused_input(refusal: Refused) -> ResponseReturnValue:
        from app import json_error

        message = " ".join(refusal.errors.values()) or "That request could not be understood."
        if request.path.startswith("/api/"):
            return json_error(400, message, refusal.errors)
        return render_template("error.html", status=400, message=message), 400
