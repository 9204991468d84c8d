"""Every state-changing route (found from the url map) refuses a request without a CSRF token."""

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
