"""Settings refuse unsafe starts; the health check tells the truth about the database."""

import subprocess
import sys

import pytest
import sqlalchemy as sa

from app import create_app


def test_production_refuses_to_start_without_secret_key():
    # A fresh interpreter, so config.py reads an environment without SECRET_KEY.
    code = "from app import create_app; create_app('production')"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "", "PYTHONPATH": "."},
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_starts_with_secret_key_and_secure_cookies():
    code = (
        "from app import create_app; a = create_app('production');"
        "print(a.config['SESSION_COOKIE_SECURE'], a.config['SESSION_COOKIE_HTTPONLY'],"
        " a.config['SESSION_COOKIE_SAMESITE'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={
            "PATH": "",
            "PYTHONPATH": ".",
            "SECRET_KEY": "x" * 40,
            "EXTERNAL_URL": "https://stride.example",
            "DATABASE_URL": "postgres://u@127.0.0.1/none",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "Lax"]


def test_unknown_config_name_is_refused():
    with pytest.raises(RuntimeError, match="Unknown STRIDE_CONFIG"):
        create_app("staging")


def test_health_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_reports_503_when_database_is_unreachable(tmp_path):
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    with app.app_context():
        response = app.test_client().get("/healthz")
        from app.extensions import db

        db.engine.dispose()
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_health_reports_503_once_when_the_database_drops_its_connection_then_reconnects(
    app, caplog
):
    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("terminating a backend is PostgreSQL's; a SQLite file cannot drop us")
        db.engine.dispose()  # one pooled connection, which each request below checks out
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        with db.engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        outside = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
        with outside.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        outside.dispose()

        dropped = client.get("/healthz")
        again = client.get("/healthz")
        db.engine.dispose()
    assert (dropped.status_code, dropped.json["database"]) == (503, "unreachable")
    assert again.status_code == 200  # the dropped connection was not handed out again
    # Invalidated by the probe, not found broken by the pool's reset (which logs an error).
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


def test_security_headers_are_sent(client):
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path, status, text",
    [("/nowhere", 404, "could not find"), ("/api/v1/nowhere", 404, None)],
)
def test_friendly_errors_html_and_json(client, path, status, text):
    response = client.get(path)
    assert response.status_code == status
    if text:
        assert text in response.get_data(as_text=True)
    else:
        assert response.is_json and "error" in response.json


def test_server_error_page_is_friendly():
    app = create_app("testing", PROPAGATE_EXCEPTIONS=False)

    def boom():
        raise RuntimeError("boom")

    boom.access = "public"
    app.add_url_rule("/boom-for-test", "boom", boom)
    with app.app_context():
        response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_database_url_scheme_is_normalised():
    from config import _database_url

    assert _database_url("postgres://u@h/d").startswith("postgresql+psycopg://")
    assert _database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert (
        sa.engine.make_url(_database_url("postgresql://u@h/d")).drivername == "postgresql+psycopg"
    )


def test_unreachable_database_answers_503_with_retry_after():
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    with app.app_context():
        response = app.test_client().get("/invite/some-token")  # looks the invite up
        from app.extensions import db

        db.engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "cannot reach its database" in response.get_data(as_text=True)


def test_a_connection_the_database_dropped_answers_503_then_the_next_request_reconnects(app):
    """A PostgreSQL restart drops the pooled connections (no pre-ping checks them first): the
    request that meets a dropped one answers 503 with Retry-After, so a phone resends, and the
    pool is refilled for the next request."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("a server that drops a connection is PostgreSQL's; SQLite has none")
    dropped = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    from app.extensions import db

    with dropped.app_context():
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.commit()  # the connection goes back to the pool, still open
        killer = sa.create_engine(url)
        with killer.connect() as connection:
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        client = dropped.test_client()
        first = client.get("/invite/some-token")  # its first statement meets the dead connection
        second = client.get("/invite/some-token")
        db.session.remove()  # the requests shared this app context, and so its session
        db.engine.dispose()
    assert first.status_code == 503 and first.headers["Retry-After"] == "5"
    assert second.status_code not in (500, 503)
