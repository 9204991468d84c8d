"""Every state-changing route (found from the url map) refuses a request without a CSRF token."""

import re

import pytest
from werkzeug.routing import Rule

from tests.security.test_authorization_matrix import (
    database_digest,
    expected_for,
    ids_for,
    route_rules,
    undone,
)
from tests.security.world import World

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Whom to send, in order of preference, among the callers allowed to use a route.
PREFERRED = ("physio_a", "pat_a", "admin_a", "anon")


def _write_rules() -> list[Rule]:
    return [rule for rule in route_rules() if rule.methods & WRITE_METHODS]


def test_there_are_write_routes_to_check():
    assert len(_write_rules()) >= 20


@pytest.mark.parametrize("rule", _write_rules(), ids=lambda r: r.endpoint)
def test_write_route_refuses_a_request_without_a_csrf_token(app, db, world: World, rule: Rule):
    expected = expected_for(rule.endpoint)
    caller = next(name for name in PREFERRED if expected[name] == "ok")
    user = world.users[caller]
    ids = ids_for(world)
    with app.test_request_context():
        from flask import url_for

        url = url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})
    before = database_digest()
    for method in sorted(rule.methods & WRITE_METHODS):
        for token in ("missing", "from another session"):
            with undone():
                client = app.test_client()
                if user is not None:
                    client.login_as(user)
                headers, form = {}, {}
                if token != "missing":
                    other = app.test_client()
                    other.get("/login")
                    headers = {"X-CSRFToken": other.csrf_token()}
                    form = {"csrf_token": headers["X-CSRFToken"]}
                if url.startswith("/api/"):
                    response = client.open(url, method=method, json={"events": []}, headers=headers)
                    assert response.status_code in (400, 403), (method, url, token)
                    assert response.is_json and "error" in response.get_json()
                else:
                    response = client.open(url, method=method, data=form)
                    assert response.status_code == 400, (method, url, caller, token)
                assert database_digest() == before, f"{method} {url} without a token changed data"


def test_a_valid_token_is_accepted(client, world: World):
    """The control: the same request with the token gets past the CSRF check."""
    client.login_as(world.patient_a.user)
    response = client.post_json("/api/v1/sync", {"events": []})
    assert response.status_code == 200


# --- The kept token (app.forms.csrf_token): signed once per session and worker ------------

TOKEN = r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"'


def test_a_sessions_forms_carry_its_one_token_and_a_form_sent_with_it_is_accepted(
    client, world: World
):  # type: ignore[no-untyped-def]
    client.login_as(world.physio_a)
    page = client.get("/account/password").get_data(as_text=True)  # a form and the logout form
    [meta] = re.findall(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert set(re.findall(TOKEN, page)) == {meta}
    assert client.get("/account/password").get_data(as_text=True).count(meta) == 3  # kept
    response = client.post("/logout", data={"csrf_token": meta})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_token_kept_for_one_key_is_refused_after_the_key_changes(
    app, client, world: World, monkeypatch
):  # type: ignore[no-untyped-def]
    client.login_as(world.patient_a.user)

    def page_token() -> str:
        page = client.get("/week").get_data(as_text=True)
        return re.findall(r'<meta name="csrf-token" content="([^"]+)"', page)[0]

    before = page_token()
    monkeypatch.setitem(app.config, "WTF_CSRF_SECRET_KEY", "a new CSRF key for the clinic " * 2)
    after = page_token()
    assert after != before  # signed anew with the new key
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302


def test_tokens_that_expire_are_left_to_flask_wtf(app, world: World, monkeypatch):  # type: ignore[no-untyped-def]
    from app.forms import _signed, csrf_token

    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    with app.test_request_context():
        from flask import session

        session["csrf_token"] = "b" * 40
        before = _signed.cache_info()
        token = csrf_token()
        assert _signed.cache_info().currsize == before.currsize  # not the kept signer
    with app.test_request_context():
        from flask_wtf.csrf import validate_csrf

        session["csrf_token"] = "b" * 40
        validate_csrf(token)  # a token Flask-WTF made, with its time, valid for the hour


def test_every_form_in_the_app_takes_its_token_from_the_one_form_base():
    from flask_wtf import FlaskForm

    import app.forms
    from app import create_app

    create_app("testing")  # every blueprint, so every form class, imported

    def below(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *below(sub))]

    forms = [c for c in below(FlaskForm) if c.__module__.startswith("app.")]
    assert len(forms) > 20
    assert [c.__qualname__ for c in forms if not issubclass(c, app.forms.Form)] == []
