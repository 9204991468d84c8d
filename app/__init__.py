"""Stride: the application factory."""

import copy
import logging
import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import (
    Flask,
    Request,
    Response,
    has_request_context,
    jsonify,
    make_response,
    render_template,
    request,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import READ_METHODS
from config import SettingsError, check_production_settings, config_for, proxy_count

if TYPE_CHECKING:
    from app.models import User

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # plotly.js adds one empty <style> element and fills it through the CSSOM: allow exactly
        # that empty element (the hash of ""), not inline styles in general.
        "style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


LINKS_KEPT = 4096  # distinct links (and hooks known synchronous) remembered per app


class KeptSerializerSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per secret and
    each cookie's signature checked and its contents decoded once per worker.

    Flask builds a new serializer (and its signers, one per key) to open every request's
    session and again to save it: a tenth of a /healthz request. The keys are read on every
    call, so a changed SECRET_KEY or SECRET_KEY_FALLBACKS still takes effect. A phone sends
    the same cookie on every request until its session changes; its age is checked on every
    request, as Flask checks it (PERMANENT_SESSION_LIFETIME).
    """

    _kept: tuple[object, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._kept is None or self._kept[0] != keys:
            self._kept = (keys, super().get_signing_serializer(app))
        return self._kept[1]

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None  # no secret key: Flask's own answer
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        try:
            data, signed_at = _verified_cookie(serializer, cookie)
        except BadSignature:
            return self.session_class()
        age = int(time.time()) - signed_at  # whole seconds, as itsdangerous counts
        if not 0 <= age <= int(app.permanent_session_lifetime.total_seconds()):
            return self.session_class()  # expired (or from the future): a new session
        # A copy: the request may change its session (flash appends to a list in it).
        return self.session_class(copy.deepcopy(data))


# A worker's recent cookies (a phone's stays the same until its session changes), by the
# serializer, which is rebuilt when the keys change. Bad signatures raise and are not kept.
@lru_cache(maxsize=4096)
def _verified_cookie(serializer: URLSafeTimedSerializer, cookie: str) -> tuple[Any, int]:
    data, signed = serializer.loads(cookie, return_timestamp=True)
    return data, int(signed.timestamp())


class Stride(Flask):
    """Flask, remembering the links it builds in a request and which hooks are synchronous.

    Every page builds the same links on every request (base.html alone has about twenty, the
    static ones through the asset index), and each walks werkzeug's rules afresh: half the
    base template's time. An internal link depends only on the script root, the endpoint
    (and, for ".name", the request's blueprint) and its values; no rule here matches on a
    host or subdomain and the url_defaults (the asset index) are fixed once the app is built,
    so such a link is kept. External links, links built outside a request and values that are
    not plain strings or integers are built as Flask builds them.

    Its session interface keeps the cookie's signing serializer (KeptSerializerSessions).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_interface = KeptSerializerSessions()
        self.links: dict[tuple[object, ...], str] = {}
        self.synchronous: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # Flask asks inspect whether each hook and view is a coroutine function on every call,
        # about fifteen times a request; the answer does not change. (Bounded, in case some
        # caller passes a new function each time.)
        sync = self.synchronous.get(func)
        if sync is None:
            sync = super().ensure_sync(func)
            if len(self.synchronous) < LINKS_KEPT:
                self.synchronous[func] = sync
        return sync

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        if _external or _scheme is not None or not has_request_context():
            return self._build(endpoint, _anchor, _method, _scheme, _external, values)
        if not all(type(value) in (str, int) for value in values.values()):  # True is not 1
            return self._build(endpoint, _anchor, _method, _scheme, _external, values)
        # Once: each read through the proxy costs. (The proxy's own method; typed as Request.)
        current = request._get_current_object()  # type: ignore[attr-defined]
        blueprint = current.blueprint if endpoint[:1] == "." else None
        key = (current.root_path, blueprint, endpoint, _anchor, _method, *values.items())
        link = self.links.get(key)
        if link is None:
            link = self._build(endpoint, _anchor, _method, _scheme, _external, values)
            if len(self.links) >= LINKS_KEPT:
                self.links.clear()
            self.links[key] = link
        return link

    def _build(
        self,
        endpoint: str,
        anchor: str | None,
        method: str | None,
        scheme: str | None,
        external: bool | None,
        values: dict[str, Any],
    ) -> str:
        return super().url_for(
            endpoint, _anchor=anchor, _method=method, _scheme=scheme, _external=external, **values
        )


def create_app(config_name: str | None = None, **overrides: object) -> Flask:
    """Build the Flask app for an environment ('development', 'testing' or 'production')."""
    app = Stride(__name__, instance_relative_config=False)
    app.config.from_object(config_for(config_name))
    app.config.update(overrides)
    check_required_settings(app)
    resolve_rate_limit_storage(app)
    register_extensions(app)
    register_input_limits(app)
    register_blueprints(app)
    check_only_limited_views(app)
    register_audit_commit(app)
    register_static_assets(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_deferred_work(app)
    register_commands(app)
    register_template_helpers(app)
    check_every_view_declares_access(app)
    register_proxy_fix(app)
    return app


def check_required_settings(app: Flask) -> None:
    """Refuse to start without a secret key, rather than run with a guessable one."""
    if app.config["STRIDE_ENV"] == "production":
        check_production_settings(app.config)  # one line naming every problem (config.py)
    if not app.config.get("SECRET_KEY"):
        raise SettingsError("SECRET_KEY is not set: export SECRET_KEY before starting Stride.")


def register_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-For and -Proto from PROXY_COUNT proxies (0: none, the default).

    Then request.remote_addr is the client's address (the login rate limit keys on it) and
    redirects and invite links use the scheme the client used. X-Forwarded-Host and -Port
    are not trusted: a proxy that does not set them passes on whatever the client sent,
    while the Host header it forwards ($http_host in deploy/nginx-stride.conf) is the one
    the client connected with.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    count = proxy_count(app.config) or 0
    if count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=0, x_port=0
        )


def register_extensions(app: Flask) -> None:
    from app.extensions import compress, csrf, db, limiter, login_manager, migrate

    # First, so its after_request hook runs last (Flask runs them in reverse): it compresses
    # the finished response, headers and all.
    compress.init_app(app)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "before_cursor_execute", _sqlite_write_lock)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,  # SQLite can only alter tables by copying them
        compare_type=True,
    )
    csrf.init_app(app)

    @app.before_request
    def check_csrf() -> None:
        # Flask-WTF's own check (off: WTF_CSRF_CHECK_DEFAULT) looks up the view's exemption
        # before the method, so every GET paid for it: 4% of a /healthz request.
        config = app.config
        if config["WTF_CSRF_ENABLED"] and request.method in config["WTF_CSRF_METHODS"]:
            csrf.protect(apply_exemptions=True)

    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.session_protection = "basic"
    # Stride never issues Flask-Login's remember-me cookie (login_user without remember: a
    # login is a server-side login session, accounts.start_session), so the hook that sets or
    # clears that cookie after each request has nothing to do. It read the session every
    # time, which made every response vary on Cookie, /healthz too.
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)

    def compress_what_could_be(response: Response) -> Response:
        # Flask-Compress picks an encoding and adds Vary for every response, then sends one
        # shorter than COMPRESS_MIN_SIZE as it is: that one varies on nothing.
        length = response.content_length
        if length is not None and length < app.config["COMPRESS_MIN_SIZE"]:
            return response
        return compress.after_request(response)

    hooks = app.after_request_funcs[None]
    hooks[hooks.index(compress.after_request)] = compress_what_could_be

    def load_user(session_id: str) -> "User | None":
        from app.services import accounts

        # "<user id>:<login session token>": a logged-out or expired session loads nobody.
        user_id, _, token = session_id.partition(":")
        if not user_id.isdigit() or not token:
            return None
        return accounts.session_user(int(user_id), token)

    def unauthorized() -> ResponseReturnValue:
        from flask import flash, redirect, url_for

        if request.path.startswith("/api/"):
            return json_error(401, "Please log in.")
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite ignores foreign keys unless asked; PostgreSQL always enforces them."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        # Let SQLAlchemy, not the driver, open transactions: SAVEPOINTs then work as documented.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        # Readers beside one writer (a file database keeps the mode; :memory: ignores it).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


# connection.info key: this SQLite transaction began deferred and has not written yet.
_SQLITE_READING = "stride_sqlite_reading"


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    """SQLite: a request that only reads begins deferred; every other transaction IMMEDIATE.

    IMMEDIATE takes the write lock up front, so a request that reads then writes waits for
    another worker's write (busy timeout) instead of failing with "database is locked" when
    its snapshot is already stale; that keeps every POST, the deferred work and the CLI as
    they were. A GET, HEAD or OPTIONS request begins deferred, so in WAL mode it reads beside
    a writer instead of taking turns with it. Its few writes (an access-audit row, a login
    session's last use) read nothing back: at the first one the read transaction is ended
    and an IMMEDIATE one begun in its place (_sqlite_write_lock), which is what a read
    request gets on PostgreSQL too, where each of its statements runs on its own
    (app.extensions.Session).
    """
    if connection.dialect.name != "sqlite":
        return
    if has_request_context() and request.method in READ_METHODS:
        connection.exec_driver_sql("BEGIN")
        connection.info[_SQLITE_READING] = True
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_write_lock(connection: Connection, cursor: Any, statement: str, *_: Any) -> None:
    """Before a read request's first write on SQLite: end the read, take the write lock."""
    if connection.info.get(_SQLITE_READING) and statement.lstrip()[:6].upper() != "SELECT":
        del connection.info[_SQLITE_READING]
        cursor.execute("COMMIT")
        cursor.execute("BEGIN IMMEDIATE")


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _sqlite_transaction_ended(connection: Connection) -> None:
    # Never touch .info of a connection the database dropped: it raises PendingRollbackError
    # from inside the rollback that the 503 handler makes, which turned the 503 into a 500.
    if connection.dialect.name == "sqlite" and not connection.invalidated:
        connection.info.pop(_SQLITE_READING, None)


def resolve_rate_limit_storage(app: Flask) -> None:
    """Redis, or the app's own database, so every worker counts together (app/rate_limits)."""
    from app import rate_limits

    rate_limits.resolve_storage(app)


def check_only_limited_views(app: Flask) -> None:
    """No rate-limit check before requests that no limit applies to (app/rate_limits)."""
    from app import rate_limits

    rate_limits.check_only_limited_views(app)


def register_input_limits(app: Flask) -> None:
    """Ids, JSON depth, body caps and refused query input (app/input_limits.py)."""
    from app import input_limits

    input_limits.register(app)


def register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.dashboard import bp as dashboard_bp
    from app.library import bp as library_bp
    from app.main import bp as main_bp
    from app.my_data import bp as my_data_bp
    from app.patients import bp as patients_bp
    from app.programmes import bp as programmes_bp
    from app.progress import bp as progress_bp
    from app.today import bp as today_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(my_data_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(patients_bp)
    app.register_blueprint(programmes_bp)
    app.register_blueprint(library_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(today_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(dashboard_bp)
    from app.outcomes import bp as outcomes_bp

    app.register_blueprint(outcomes_bp)
    from app.media import bp as media_bp

    app.register_blueprint(media_bp)
    from app.reminders import bp as reminders_bp

    app.register_blueprint(reminders_bp)


def register_audit_commit(app: Flask) -> None:
    """Commit the access events a successful read recorded (audit.record_patient_access)."""
    from app.extensions import db
    from app.services import accounts, audit

    @app.after_request
    def commit_audited_reads(response: Response) -> Response:
        # Also a login session's last use (accounts.session_user), noted on a read.
        pending = [audit.access_events_pending(), accounts.session_touch_pending()]
        if any(pending) and response.status_code < 400:
            db.session.commit()
        audit.record_refusal(response.status_code)  # a refused patient access, if any
        return response


def register_static_assets(app: Flask) -> None:
    """Hashed static URLs, their built and pre-compressed copies, a year's cache (app/assets)."""
    from app import assets

    assets.register(app)


def json_error(status: int, message: str, errors: Mapping[str, object] | None = None) -> Response:
    """The API's error body: {"error": message, "errors": {field: message}}."""
    body: dict[str, object] = {"error": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    messages = {
        400: "That request could not be understood.",
        401: "Please log in.",
        403: "You do not have access to that.",
        404: "We could not find that page.",
        405: "That action is not allowed here.",
        413: "That request is too large.",
        429: "Too many attempts. Please wait a minute and try again.",
        500: "Something went wrong on our side. Please try again.",
        503: "Stride cannot reach its database just now. Please try again in a moment.",
    }

    def render(status: int, message: str) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return json_error(status, message)
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render(400, "Your form expired or was sent from elsewhere. Please try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        return render(status, messages.get(status, error.description or "Error."))

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> ResponseReturnValue:
        # The database is down or restarting: say so, and let phones retry (their events are
        # idempotent), rather than answer a generic 500.
        from app.extensions import db

        db.session.rollback()
        logging.getLogger(__name__).warning("database unavailable on %s", request.path)
        response = make_response(render(503, messages[503]))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> ResponseReturnValue:
        from app.extensions import db

        db.session.rollback()
        logging.getLogger(__name__).exception("unhandled error on %s", request.path)
        return render(500, messages[500])


def register_security_headers(app: Flask) -> None:
    from app.policy import refuse_nul_characters

    app.before_request(refuse_nul_characters)
    every = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config.get("HSTS"):
        every.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    # Pages show health data: keep them out of shared caches.
    pages = [*every, ("Cache-Control", "no-store")]
    for_static = [(name, name.lower(), value) for name, value in every]
    for_pages = [(name, name.lower(), value) for name, value in pages]

    @app.after_request
    def set_headers(response: Response) -> Response:
        # Each header unless the view set its own. One pass over the names the response has:
        # Headers.setdefault asks for each one in turn and builds a KeyError for every miss,
        # which was an eighth of a /healthz request.
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        chosen = for_static if request.path.startswith("/static/") else for_pages
        for name, lowered, value in chosen:
            if lowered not in present:
                headers.add(name, value)
        return response


def register_deferred_work(app: Flask) -> None:
    from app import deferred

    deferred.register(app)  # work a request defers runs after its response is sent


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from app import views

    views.register_template_helpers(app)


def check_every_view_declares_access(app: Flask) -> None:
    """Fail at start-up if a view forgot to say who may use it (see app/policy.py)."""
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access")
    ]
    if missing:
        raise RuntimeError(f"views without an access rule: {', '.join(sorted(missing))}")
