"""Settings for each environment, read from the environment variables."""

import base64
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Hosting platforms still hand out the old "postgres://" scheme; SQLAlchemy needs the driver.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def trusted_hosts(environ: "os._Environ[str] | dict[str, str]") -> list[str]:
    """The Host names production answers: TRUSTED_HOSTS (comma-separated), else EXTERNAL_URL's."""
    listed = [host.strip() for host in environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()]
    if listed:
        return listed
    external = urlsplit(environ.get("EXTERNAL_URL", "")).hostname
    return [external] if external else []


class Config:
    """Settings shared by every environment."""

    STRIDE_ENV = "base"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'stride.db'}")
    # No pool_pre_ping: it cost a round trip on every request. A connection that a restarted
    # PostgreSQL dropped fails its first statement; SQLAlchemy then drops the whole pool, the
    # request answers 503 with Retry-After (app.register_error_handlers), and phones resend
    # (bench/load_sync.py's pg-restart run loses and duplicates nothing).
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 24 * 14
    # A login lasts at most this long, however often it is used (then log in again).
    LOGIN_SESSION_DAYS = 30
    # ... and ends after this long unused: staff on shared clinic computers sooner than
    # patients on their own phones. Its last use is noted at most every LOGIN_TOUCH_MINUTES.
    LOGIN_IDLE_HOURS_STAFF = 12
    LOGIN_IDLE_HOURS_PATIENT = 24 * 7
    LOGIN_TOUCH_MINUTES = 5
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # The app checks CSRF itself (app/__init__.py, check_csrf): after the method, not before.
    WTF_CSRF_CHECK_DEFAULT = False
    # Shared by every worker: Redis when REDIS_URL is set, else the database (app/rate_limits).
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "database"
    # A moving window where the storage has one (Redis): ten tries are ten tries, however they
    # fall on the clock. The database storage counts fixed windows only.
    RATELIMIT_STRATEGY = "moving-window" if os.environ.get("REDIS_URL") else "fixed-window"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"  # per address, and per address on invite pages
    LOGIN_LOCKOUT_LIMIT = "10 per minute"  # failed logins per account, then locked for the minute
    INVITE_GUESS_LIMIT = "100 per hour"  # wrong invite codes from all addresses together
    INVITE_DAYS = 7
    CALENDAR_RATE_LIMIT = "30 per minute"  # per address on the calendar feed's token URL
    # --- Reminders (issue 17): Web Push. `flask push keys` makes a key pair; without one,
    # the Account page says reminders are not set up on this server.
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
    # Who runs this server, for push services (a mailto: or https: URL; default EXTERNAL_URL).
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "")
    # How often `flask worker` looks for due reminders.
    WORKER_POLL_SECONDS = 20
    # Push endpoints come from the browser: only https:// to a named host unless this is set.
    PUSH_ALLOW_HTTP = False
    EXERCISE_LIBRARY_DIR = str(BASE_DIR / "exercise_library")
    # Static URLs without ?v=<hash> (app/assets.py gives every template URL one) are cached for
    # minutes only; versioned ones for a year. Pages and JSON go out compressed: brotli at a
    # moderate quality, or gzip (Flask-Compress), never streamed files (their copies are built).
    SEND_FILE_MAX_AGE_DEFAULT = 5 * 60
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 4
    COMPRESS_LEVEL = 6
    COMPRESS_STREAMS = False
    COMPRESS_MIMETYPES = ["text/html", "application/json", "application/manifest+json"]
    HSTS = False
    # How many reverse proxies (nginx, a load balancer) stand in front of Stride and set the
    # X-Forwarded-For/-Proto/-Host headers; 0 trusts none of them (development).
    PROXY_COUNT = os.environ.get("PROXY_COUNT", "0")
    # --- Input limits and safe links (issue 20) ---
    # 1 MB holds any form; the sync API declares its own smaller cap, and the media upload
    # pages their larger one (app/media: a 50 MB video and its form), for those pages only.
    MAX_CONTENT_LENGTH = 1024 * 1024
    # --- The clinic's photos and videos (issue 16): files on disk, served only through
    # policy checks (never a static URL). Back this folder up with the database.
    MEDIA_FOLDER = os.environ.get("MEDIA_FOLDER", str(INSTANCE_DIR / "media"))
    # Links sent to people (invites) start with this, never with the request's Host header.
    EXTERNAL_URL = os.environ.get("EXTERNAL_URL", "http://127.0.0.1:5000")
    # None answers any Host (development, tests); production lists the names it serves.
    TRUSTED_HOSTS: list[str] | None = None


class DevelopmentConfig(Config):
    """Local development: SQLite under instance/, a throwaway key."""

    STRIDE_ENV = "development"
    DEBUG = True
    # Only for a developer's own machine: production refuses to start without a real key.
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")


class TestingConfig(Config):
    """The test suite: TEST_DATABASE_URL or a private SQLite file."""

    STRIDE_ENV = "testing"
    TESTING = True
    SECRET_KEY = "test-only-not-secret"
    SQLALCHEMY_DATABASE_URI = _database_url(
        os.environ.get("TEST_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'test.db'}")
    )
    WTF_CSRF_ENABLED = True
    MEDIA_FOLDER = str(INSTANCE_DIR / "test-media")  # tests/conftest.py points it at a tmp dir
    LOGIN_RATE_LIMIT = "1000 per minute"
    LOGIN_LOCKOUT_LIMIT = "1000 per minute"
    INVITE_GUESS_LIMIT = "1000 per minute"
    CALENDAR_RATE_LIMIT = "1000 per minute"
    # A throwaway key for the tests' own push service (tests/reminders), not a secret.
    VAPID_PRIVATE_KEY = "qTmASeg5aFqMZwcY5LmRMqqLEVUyRRMvSQT9d6Xh7ns"
    VAPID_SUBJECT = "mailto:tests@stride.invalid"
    PUSH_ALLOW_HTTP = True  # the tests' push service listens on http://127.0.0.1
    RATELIMIT_STORAGE_URI = "memory://"  # each test starts clean; app/rate_limits is tested apart
    PASSWORD_HASH_FAST = True


class ProductionConfig(Config):
    """Production: PostgreSQL, Redis and a real secret from the environment."""

    STRIDE_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True
    # No silent SQLite: an empty URI makes check_production_settings say DATABASE_URL is missing.
    SQLALCHEMY_DATABASE_URI = _database_url("")
    # --- Safe links (issue 20): required, and an unknown Host header is refused (400).
    EXTERNAL_URL = os.environ.get("EXTERNAL_URL", "")
    TRUSTED_HOSTS = trusted_hosts(os.environ)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[Config]:
    """Return the settings class for a name, defaulting to development."""
    key = name or os.environ.get("STRIDE_CONFIG", "development")
    if key not in CONFIGS:
        raise RuntimeError(f"Unknown STRIDE_CONFIG {key!r}; use one of {', '.join(CONFIGS)}.")
    return CONFIGS[key]


# --- Production start-up checks ---------------------------------------------------------------

MIN_SECRET_KEY_LENGTH = 32


class SettingsError(RuntimeError):
    """A setting that production refuses to start with; the message is one line for stderr."""


def configured_workers() -> int:
    """The number of app processes: STRIDE_WORKERS (gunicorn.conf.py sets it), else
    WEB_CONCURRENCY (gunicorn's own default), else 1."""
    for name in ("STRIDE_WORKERS", "WEB_CONCURRENCY"):
        value = os.environ.get(name, "").strip()
        if value:
            return int(value) if value.isdigit() else 0
    return 1


def proxy_count(settings: Mapping[str, Any]) -> int | None:
    """PROXY_COUNT as a whole number, or None when it is not one."""
    value = str(settings.get("PROXY_COUNT", 0)).strip()
    return int(value) if value.isdigit() else None


def vapid_key_readable(key: str) -> bool:
    """Tell whether a VAPID private key is empty (reminders off) or 32 bytes in base64url."""
    if not key:
        return True
    try:
        raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    except ValueError:
        return False
    return len(raw) == 32 and key.isascii()


def check_production_settings(settings: Mapping[str, Any], workers: int | None = None) -> None:
    """Refuse to run production with settings that would lose data or expose accounts.

    Raises SettingsError naming every problem on one line; wsgi.py and gunicorn.conf.py print
    it and exit non-zero instead of showing a traceback.
    """
    workers = configured_workers() if workers is None else workers
    problems = []
    url = str(settings.get("SQLALCHEMY_DATABASE_URI") or "")
    if not url:
        problems.append("DATABASE_URL is not set (postgresql://user:password@host/stride)")
    elif url.startswith("sqlite"):
        problems.append("DATABASE_URL points at SQLite; production needs PostgreSQL")
    key = settings.get("SECRET_KEY") or ""
    if not key:
        problems.append(
            "SECRET_KEY is not set (make one with: "
            "python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )
    elif len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
    if workers < 1:
        problems.append("STRIDE_WORKERS / WEB_CONCURRENCY must be a whole number of 1 or more")
    elif workers > 1 and not str(settings.get("RATELIMIT_STORAGE_URI", "")).startswith("redis"):
        problems.append(
            f"{workers} workers but REDIS_URL is not set: login rate limits would not be shared"
        )
    if not settings.get("EXTERNAL_URL"):
        problems.append("EXTERNAL_URL is not set (the https:// address invite links start with)")
    media = str(settings.get("MEDIA_FOLDER") or "")
    if not media or not Path(media).is_absolute():
        problems.append("MEDIA_FOLDER must be an absolute path (where photos and videos live)")
    if not vapid_key_readable(str(settings.get("VAPID_PRIVATE_KEY") or "")):
        problems.append(
            "VAPID_PRIVATE_KEY is not a key made by `flask push keys` (base64url, 32 bytes)"
        )
    if proxy_count(settings) is None:
        problems.append("PROXY_COUNT must be a whole number (0 when no proxy is in front)")
    if problems:
        raise SettingsError("Stride will not start: " + "; ".join(problems) + ".")
