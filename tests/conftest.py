"""Fixtures: the app on a migrated test database, per-test rollback, clients for each role."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.globals import app_ctx
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from app.extensions import db as _db
from app.models import Clinic, Patient, Role, User
from app.services import accounts

pytest_plugins = ["tests.factories"]


class Client(FlaskClient):
    """A test client that can send the CSRF token like a real form or the page's script."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # Each request gets its own app context (and so its own g and DB session), as in
        # production, even though the test itself holds one open.
        _db.session.flush()
        # Buffered: read the whole body and close the response, as a server does once it is
        # sent; closing runs the request's deferred work (app/deferred.py).
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()  # let the test see what the request wrote
        return response

    def csrf_token(self) -> str:
        raw = "0" * 40
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", os.urandom(20).hex())
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return str(serializer.dumps(raw))

    def post_form(self, url: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
        """POST a form with a valid CSRF token."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=payload, **kwargs)

    def post_json(self, url: str, body: object, **kwargs):  # type: ignore[no-untyped-def]
        """POST JSON with the CSRF header the page's script sends."""
        headers = {"X-CSRFToken": self.csrf_token(), **kwargs.pop("headers", {})}
        return self.post(url, json=body, headers=headers, **kwargs)

    def login_as(self, user: User) -> "Client":
        """Sign in without the login form (the form itself has its own tests)."""
        accounts.start_session(user)
        _db.session.flush()  # now, not inside a request whose statements a test counts
        with self.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return self


def _reset_database(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):  # the write-ahead log and its index too
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        with _db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app under the testing config, its database built by the migrations; media files
    in a temporary folder of the run's own."""
    app = create_app("testing", MEDIA_FOLDER=str(tmp_path_factory.mktemp("media")))
    app.test_client_class = Client
    with app.app_context():
        _reset_database(app)
        _db.engine.dispose()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[object]:
    """The database, with everything a test writes rolled back afterwards."""
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        # Views commit as usual; create_savepoint turns those commits into savepoints.
        factory = sa.orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        session = sa.orm.scoped_session(
            factory, scopefunc=lambda: id(app_ctx._get_current_object())
        )
        original = _db.session
        _db.session = session
        try:
            yield _db
        finally:
            session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask, db: object) -> Client:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask, db: object):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


@pytest.fixture
def clinic(make) -> Clinic:  # type: ignore[no-untyped-def]
    return make.clinic()


@pytest.fixture
def physio(make, clinic: Clinic) -> User:  # type: ignore[no-untyped-def]
    return make.staff(clinic, Role.PHYSIO, "physio@test.example")


@pytest.fixture
def admin(make, clinic: Clinic) -> User:  # type: ignore[no-untyped-def]
    return make.staff(clinic, Role.ADMIN, "admin@test.example")


@pytest.fixture
def patient(make, physio: User) -> Patient:  # type: ignore[no-untyped-def]
    return make.patient(physio, "patient@test.example")


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block (to check query counts stay flat)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
            statements.append(statement)

    sa.event.listen(_db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", record)


@pytest.fixture
def query_counter(db: object):  # type: ignore[no-untyped-def]
    """The count_queries context manager: `with query_counter() as statements: ...`."""
    return count_queries
