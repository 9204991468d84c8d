"""A session cookie's signature is checked and its contents decoded once per worker
(KeptSerializerSessions), and still: a cookie past its lifetime, signed with another key or
changed by hand opens no session, and a request changing its session changes only its own."""

import time

import pytest
from flask import session

import app as app_module
from app import _verified_cookie

LIFETIME_SECONDS = 60 * 60 * 24 * 14  # config.PERMANENT_SESSION_LIFETIME


def _cookie(flask_app, data: dict) -> str:  # type: ignore[no-untyped-def]
    serializer = flask_app.session_interface.get_signing_serializer(flask_app)
    return serializer.dumps(data)


def _opened(flask_app, cookie: str) -> dict:  # type: ignore[no-untyped-def]
    with flask_app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        return dict(session)


def test_a_signed_in_cookie_works_until_its_lifetime_and_not_after(client, patient, monkeypatch):  # type: ignore[no-untyped-def]
    client.login_as(patient.user)
    assert client.get("/week").status_code == 200  # opened, checked and kept
    now = time.time()
    for later, signed_in in ((LIFETIME_SECONDS - 60, True), (LIFETIME_SECONDS + 60, False)):
        monkeypatch.setattr(app_module.time, "time", lambda later=later: now + later)
        response = client.get("/week")
        assert (response.status_code == 200) is signed_in, later
        if not signed_in:
            assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda cookie: cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"), id="signature"
        ),
        pytest.param(lambda cookie: "e" + cookie[1:], id="contents"),
    ],
)
def test_a_cookie_changed_by_hand_opens_an_empty_session(app, change):  # type: ignore[no-untyped-def]
    cookie = _cookie(app, {"_user_id": "1", "csrf_token": "a" * 40})
    assert _opened(app, cookie)["_user_id"] == "1"  # the genuine one, now kept
    assert _opened(app, change(cookie)) == {}


def test_a_cookie_signed_with_another_key_opens_an_empty_session(app):  # type: ignore[no-untyped-def]
    cookie = _cookie(app, {"_user_id": "1"})
    _opened(app, cookie)
    secret = app.secret_key
    try:
        app.secret_key = "another key, as after the clinic rotates its secret" * 2
        assert _opened(app, cookie) == {}
    finally:
        app.secret_key = secret
    assert _opened(app, cookie) == {"_user_id": "1"}


def test_a_request_changing_its_session_leaves_the_next_one_as_the_cookie_says(app):  # type: ignore[no-untyped-def]
    cookie = _cookie(app, {"_flashes": [["message", "Saved."]]})
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        session["_flashes"].append(["message", "Another."])  # as flash() adds to the list
        session["extra"] = True
    assert _opened(app, cookie) == {"_flashes": [["message", "Saved."]]}
    assert _verified_cookie.cache_info().hits > 0  # the second request used the kept decoding
