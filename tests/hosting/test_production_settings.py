"""Production refuses unsafe settings with one clear line; the proxy and readiness checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from config import SettingsError, check_production_settings

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 32
PG = "postgresql+psycopg://stride@db.example/stride"
GOOD = {
    "SQLALCHEMY_DATABASE_URI": PG,
    "SECRET_KEY": GOOD_KEY,
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "PROXY_COUNT": "1",
    "EXTERNAL_URL": "https://stride.example.org",
    "MEDIA_FOLDER": "/srv/stride/media",
}


@pytest.mark.parametrize(
    "change, workers, message",
    [
        ({"SQLALCHEMY_DATABASE_URI": ""}, 1, "DATABASE_URL is not set"),
        ({"SQLALCHEMY_DATABASE_URI": "sqlite:////srv/stride.db"}, 1, "points at SQLite"),
        ({"SECRET_KEY": None}, 1, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "k" * 31}, 1, "SECRET_KEY is shorter than 32 characters"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, 2, "2 workers but REDIS_URL is not set"),
        ({}, 0, "must be a whole number of 1 or more"),
        ({"PROXY_COUNT": "one"}, 1, "PROXY_COUNT must be a whole number"),
        ({"EXTERNAL_URL": ""}, 1, "EXTERNAL_URL is not set"),
        ({"MEDIA_FOLDER": "media"}, 1, "MEDIA_FOLDER must be an absolute path"),
        ({"VAPID_PRIVATE_KEY": "not-a-key"}, 1, "VAPID_PRIVATE_KEY is not a key made by"),
    ],
)
def test_production_refuses_each_unsafe_setting(change, workers, message):
    with pytest.raises(SettingsError, match=message) as refused:
        check_production_settings({**GOOD, **change}, workers=workers)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "change, workers",
    [
        ({}, 4),  # PostgreSQL, a long key, Redis: any number of workers
        ({"RATELIMIT_STORAGE_URI": "memory://"}, 1),  # one worker needs no Redis
        ({"PROXY_COUNT": "0"}, 1),
        ({"VAPID_PRIVATE_KEY": "qTmASeg5aFqMZwcY5LmRMqqLEVUyRRMvSQT9d6Xh7ns"}, 1),  # reminders on
    ],
)
def test_production_accepts_safe_settings(change, workers):
    check_production_settings({**GOOD, **change}, workers=workers)


def test_every_problem_is_named_on_one_line():
    with pytest.raises(SettingsError) as refused:
        check_production_settings({"SQLALCHEMY_DATABASE_URI": "", "SECRET_KEY": ""}, workers=3)
    text = str(refused.value)
    assert text.startswith("Stride will not start: ")
    for part in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL"):
        assert part in text


def _run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root with only the given environment."""
    base = {
        "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin",
        "STRIDE_CONFIG": "production",
        "EXTERNAL_URL": "https://stride.example",
    }
    return subprocess.run(
        command, cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def _lines_of_our_own(stderr: str) -> list[str]:
    """stderr without gunicorn's own log lines ("[date] [pid] [LEVEL] ...")."""
    return [line for line in stderr.splitlines() if line and not line.startswith("[")]


@pytest.mark.parametrize(
    "env, message",
    [
        ({}, "DATABASE_URL is not set"),
        ({"DATABASE_URL": "sqlite:///instance/x.db", "SECRET_KEY": GOOD_KEY}, "SQLite"),
        ({"DATABASE_URL": PG, "SECRET_KEY": "short"}, "shorter than 32"),
        ({"DATABASE_URL": PG, "SECRET_KEY": GOOD_KEY, "WEB_CONCURRENCY": "3"}, "REDIS_URL"),
    ],
)
def test_gunicorn_stops_with_one_line_and_no_traceback(env, message):
    result = _run(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--bind", "127.0.0.1:0", "wsgi:app"], **env
    )
    assert result.returncode != 0
    ours = _lines_of_our_own(result.stderr)
    assert len(ours) == 1 and ours[0].startswith("Stride will not start:"), result.stderr
    assert message in ours[0]
    assert "Traceback" not in result.stderr


def test_gunicorn_counts_workers_given_on_its_command_line():
    """--workers 2 without REDIS_URL is refused although no environment variable says 2."""
    result = _run(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            "2",
            "-b",
            "127.0.0.1:0",
            "wsgi:app",
        ],
        DATABASE_URL=PG,
        SECRET_KEY=GOOD_KEY,
    )
    assert result.returncode != 0
    assert "2 workers but REDIS_URL is not set" in result.stderr


def test_flask_command_stops_with_one_line_and_no_traceback():
    result = _run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "db", "upgrade"])
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "Stride will not start: DATABASE_URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_starts_with_safe_settings():
    env = {
        **os.environ,
        "DATABASE_URL": PG,
        "SECRET_KEY": GOOD_KEY,
        "STRIDE_WORKERS": "1",
        "EXTERNAL_URL": "https://stride.example.org",
    }
    code = "import wsgi; print(wsgi.app.config['STRIDE_ENV'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "STRIDE_CONFIG": "production"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "production"


# --- Behind a proxy -------------------------------------------------------------------------


def _whoami_app(proxies: int):  # type: ignore[no-untyped-def]
    app = create_app("testing", PROXY_COUNT=str(proxies))

    def whoami():  # type: ignore[no-untyped-def]
        from flask import request, url_for

        return {"addr": request.remote_addr, "url": url_for("auth.login", _external=True)}

    whoami.access = "public"  # type: ignore[attr-defined]
    app.add_url_rule("/whoami-for-test", "whoami", whoami)
    return app


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "stride.clinic.example",
}


def test_without_proxy_count_forwarded_headers_are_ignored():
    app = _whoami_app(0)
    with app.app_context():
        body = app.test_client().get("/whoami-for-test", headers=FORWARDED).json
    assert body == {"addr": "127.0.0.1", "url": "http://localhost/login"}


def test_behind_one_proxy_the_client_address_and_scheme_are_used():
    app = _whoami_app(1)
    with app.app_context():
        body = app.test_client().get("/whoami-for-test", headers=FORWARDED).json
    # The host stays the Host header's: X-Forwarded-Host may come from the client itself.
    assert body == {"addr": "203.0.113.7", "url": "https://localhost/login"}


def test_behind_one_proxy_a_spoofed_extra_address_is_not_trusted():
    app = _whoami_app(1)
    headers = {**FORWARDED, "X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    with app.app_context():
        body = app.test_client().get("/whoami-for-test", headers=headers).json
    assert body["addr"] == "203.0.113.7"  # the one the proxy added, not the client's claim


def test_login_rate_limit_counts_each_client_address_behind_the_proxy(db):
    app = create_app(
        "testing", PROXY_COUNT="1", LOGIN_RATE_LIMIT="2 per minute", WTF_CSRF_ENABLED=False
    )
    with app.app_context():
        client = app.test_client()

        def attempt(address: str, login: str) -> int:
            data = {"login": login, "password": "wrong"}
            headers = {"X-Forwarded-For": address}
            return client.post("/login", data=data, headers=headers).status_code

        first = [attempt("203.0.113.1", f"a{n}@x.example") for n in range(3)]
        other = attempt("203.0.113.2", "b@x.example")
    assert first == [200, 200, 429]
    assert other != 429  # another client behind the same proxy is not limited by the first


# --- Readiness -----------------------------------------------------------------------------


def test_readyz_is_ok_when_migrations_are_at_head(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ok", "database": "ok", "migrations": "at head"}


def test_readyz_is_503_when_the_code_has_a_newer_migration(app, client):
    saved = app.extensions.get("stride_migration_heads")
    app.extensions["stride_migration_heads"] = frozenset({"a_newer_revision"})
    try:
        response = client.get("/readyz")
    finally:
        app.extensions["stride_migration_heads"] = saved
    assert response.status_code == 503
    assert response.json["migrations"] == "not at head"
    assert response.json["expected"] == ["a_newer_revision"]


def test_readyz_is_503_when_the_database_is_unreachable():
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    with app.app_context():
        response = app.test_client().get("/readyz")
        from app.extensions import db

        db.engine.dispose()
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
