"""Host header poisoning: links sent to people start with EXTERNAL_URL; production refuses an
unknown Host."""

import re

import pytest

from app import create_app
from config import trusted_hosts
from tests.security.world import World


def _as_evil_host(client, user):  # type: ignore[no-untyped-def]
    """Sign in, then send the same cookies to a client that names evil.example as its Host."""
    client.login_as(user)
    token = client.csrf_token()
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    return token


def test_reissued_invite_link_ignores_a_poisoned_host_header(app, client, world: World):
    token = _as_evil_host(client, world.physio_a)
    response = client.post(
        f"/patients/{world.patient_a.id}/invite",
        data={"csrf_token": token},
        base_url="http://evil.example",
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "evil.example" not in page
    external = app.config["EXTERNAL_URL"]
    assert re.search(re.escape(external) + r"/invite/[\w-]+", page), "the link uses EXTERNAL_URL"
    assert f"{external}/invite</strong>" in page


def test_new_patient_invite_link_ignores_a_poisoned_host_header(app, client, world: World):
    token = _as_evil_host(client, world.physio_a)
    form = {"name": "Dana Doe", "date_of_birth": "1980-01-01", "timezone": "Europe/London"}
    form |= {"condition": "other", "affected_side": "left", "csrf_token": token}
    response = client.post(
        "/patients/new", data=form, base_url="http://evil.example", follow_redirects=True
    )
    assert response.status_code == 200
    assert "evil.example" not in response.get_data(as_text=True)


@pytest.fixture
def production_app():  # type: ignore[no-untyped-def]
    return create_app(
        "production",
        SECRET_KEY="x" * 32,
        # Production refuses SQLite; these pages read no table. The rate limiter keeps
        # the tests' memory storage (it is one object: the database storage would stay).
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
        RATELIMIT_STORAGE_URI="memory://",
        EXTERNAL_URL="https://stride.example",
    )


def test_production_refuses_an_unknown_host_header(production_app):
    client = production_app.test_client()
    assert client.get("/login", base_url="https://evil.example").status_code == 400
    assert client.get("/login", base_url="https://stride.example").status_code == 200


def test_production_refuses_to_start_without_an_external_url():
    with pytest.raises(RuntimeError, match="EXTERNAL_URL"):
        create_app(
            "production",
            SECRET_KEY="x" * 32,
            SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none",
        )


@pytest.mark.parametrize(
    "environ, hosts",
    [
        ({"EXTERNAL_URL": "https://stride.example.org"}, ["stride.example.org"]),
        ({"EXTERNAL_URL": "https://a.example:8443/x"}, ["a.example"]),
        (
            {"EXTERNAL_URL": "https://a.example", "TRUSTED_HOSTS": "a.example, b.example"},
            ["a.example", "b.example"],
        ),
        ({}, []),
    ],
)
def test_trusted_hosts_come_from_the_setting_or_the_external_url(environ, hosts):
    assert trusted_hosts(environ) == hosts
