"""Security headers, production cookies, and no inline code in any template."""

from pathlib import Path

import pytest

from app import create_app
from tests.security.html_checks import inline_code

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def _directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_csp_allows_scripts_from_the_app_only(client):
    csp = _directives(client.get("/login").headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    everything = " ".join(" ".join(values) for values in csp.values())
    assert "'unsafe-inline'" not in everything
    assert "'unsafe-eval'" not in everything
    assert "*" not in everything and "http:" not in everything and "https:" not in everything


@pytest.mark.parametrize("path", ["/login", "/healthz", "/api/v1/does-not-exist", "/nowhere"])
def test_every_answer_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert "Content-Security-Policy" in headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # only in production, behind TLS


def test_cookies_are_httponly_and_samesite_in_development(client):
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"


@pytest.fixture
def production_client():
    app = create_app(
        "production",
        SECRET_KEY="x" * 32,
        # Production refuses SQLite; these pages read no table. The rate limiter keeps
        # the tests' memory storage (it is one object: the database storage would stay).
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
        RATELIMIT_STORAGE_URI="memory://",
        EXTERNAL_URL="https://stride.example",
    )
    return app.test_client()


def test_production_sends_hsts(production_client):
    headers = production_client.get("/login", base_url="https://stride.example").headers
    hsts = headers["Strict-Transport-Security"]
    assert "max-age=" in hsts
    assert int(hsts.split("max-age=")[1].split(";")[0]) >= 60 * 60 * 24 * 365


def test_production_cookies_are_secure(production_client):
    response = production_client.get("/login", base_url="https://stride.example")
    cookies = response.headers.getlist("Set-Cookie")
    session = [c for c in cookies if c.startswith("session=")]
    assert session, cookies
    assert all("Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in session)
    assert production_client.application.config["REMEMBER_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=None, EXTERNAL_URL="https://stride.example")


def test_the_inline_code_finder_finds_what_it_should():
    assert inline_code('<script src="/static/a.js"></script>') == []
    assert inline_code('<script type="application/json" id="d">{"a": 1}</script>') == []
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<img src=x onerror="alert(1)">')
    assert inline_code('<button\n  onclick="go()">')
    assert inline_code('<p style="color: red">')
    assert inline_code("<style>p { color: red }</style>")
    assert inline_code('<a href="javascript:alert(1)">')
    assert inline_code('<p data-style="x" class="one">') == []


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_there_are_templates_to_check():
    assert len(_templates()) > 10


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_scripts_handlers_or_styles(template: Path):
    problems = inline_code(template.read_text())
    assert not problems, f"{template.relative_to(TEMPLATES)}: {problems}"
