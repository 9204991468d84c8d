"""A real Stride server on loopback and Debian's Chromium on a phone-sized touch screen.

Browser tests are skipped (one line in the summary) when Chromium or Playwright is missing,
unless STRIDE_REQUIRE_BROWSER=1 (CI sets it): then a missing browser is a failure.
Never downloads a browser: it drives the system's /usr/bin/chromium (or $STRIDE_CHROMIUM).
"""

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("STRIDE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "service_workers": "allow",
}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        hint = shutil.which("chromium") or "apt-get install chromium"
        return f"Chromium not found at {CHROMIUM} ({hint})"
    return None


def _browser_required() -> bool:
    return os.environ.get("STRIDE_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    problem = _browser_problem() if browser_items else None
    if problem is None or _browser_required():
        return
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {problem}"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under STRIDE_REQUIRE_BROWSER=1 (CI), a missing browser fails before anything starts."""
    if item.get_closest_marker("browser") and _browser_required():
        problem = _browser_problem()
        if problem:
            pytest.fail(f"STRIDE_REQUIRE_BROWSER=1 but {problem}", pytrace=False)


# --- The server ------------------------------------------------------------------------------


def _browser_database(tmp_dir: Path) -> Iterator[str]:
    """A database of its own: SQLite in tmp, or <test database>_browser on PostgreSQL."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql")):
        yield f"sqlite:///{tmp_dir / 'browser.db'}"
        return
    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/')}_browser"
    driver_url = "postgresql+psycopg://" + url.split("://", 1)[1]
    admin = sa.create_engine(driver_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield parsed._replace(scheme="postgresql+psycopg", path=f"/{name}").geturl()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A migrated database with the library and the demo clinic, behind a separate app."""
    from flask_migrate import upgrade

    from app import create_app
    from app.devdata import demo
    from app.extensions import db
    from app.library.cli import library_dir
    from app.services import library

    port = _free_port()
    for url in _browser_database(tmp_path_factory.mktemp("browser")):
        # Invite links start with EXTERNAL_URL: the live server's own address.
        app = create_app(
            "testing", SQLALCHEMY_DATABASE_URI=url, EXTERNAL_URL=f"http://127.0.0.1:{port}"
        )
        app.config["LIVE_SERVER_PORT"] = port
        with app.app_context():
            upgrade()
            library.sync_library(library_dir())
            demo.seed_demo()
            db.session.commit()
        yield app
        with app.app_context():
            db.engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve the app with werkzeug on 127.0.0.1 and a free port; yield its base URL."""
    server = make_server("127.0.0.1", live_app.config["LIVE_SERVER_PORT"], live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="stride-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# --- The browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def screenshots() -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
