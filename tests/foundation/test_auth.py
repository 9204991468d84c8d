"""Logging in and out, invites, passwords."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.domain.localtime import utcnow
from app.models import AuditEvent, Invite, LoginSession, User
from app.services import accounts
from tests.factories import PASSWORD


def login(client, login: str, password: str = PASSWORD, next_url: str | None = None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post_form(url, {"login": login, "password": password})


def test_physio_logs_in_and_lands_on_the_dashboard(client, physio):
    response = login(client, "physio@test.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/", follow_redirects=False).headers["Location"] == "/dashboard"


def test_logging_in_and_out_sets_only_the_session_cookie(client, physio):
    # No remember-me cookie: a login lasts as long as its server-side login session, which
    # logging out ends (the app drops Flask-Login's remember-cookie hook for that reason).
    cookies = login(client, "physio@test.example").headers.getlist("Set-Cookie")
    cookies += client.post_form("/logout", {}).headers.getlist("Set-Cookie")
    assert cookies and {cookie.partition("=")[0] for cookie in cookies} == {"session"}


def test_login_is_case_insensitive_on_the_email(client, physio):
    assert login(client, "PHYSIO@Test.Example").status_code == 302


@pytest.mark.parametrize(
    "who, password",
    [("physio@test.example", "wrong password"), ("nobody@test.example", PASSWORD)],
    ids=["wrong-password", "unknown-account"],
)
def test_failed_login_gives_one_generic_message(client, physio, who, password):
    response = login(client, who, password)
    assert response.status_code == 200
    assert b"do not match" in response.data
    assert b"nobody@test.example" not in response.data or who == "nobody@test.example"


def test_patient_without_password_cannot_log_in(client, physio, make, db):
    patient = make.patient(physio, "new@test.example")
    patient.user.password_hash = None
    db.session.flush()
    assert b"do not match" in login(client, "new@test.example").data


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/patients", "/patients"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_login_follows_only_same_site_next(client, physio, target, expected):
    response = login(client, "physio@test.example", next_url=target)
    assert response.headers["Location"] == expected


def test_logout_needs_post(client, physio):
    client.login_as(physio)
    assert client.get("/logout").status_code == 405
    assert client.post_form("/logout").status_code == 302
    assert client.get("/patients").status_code == 302


def _copy_of(app, client):  # type: ignore[no-untyped-def]
    """Another browser holding a copy of client's session cookie."""
    other = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    other.set_cookie(cookie.key, cookie.value)
    return other


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_stops_working(
    app, client, physio
):
    login(client, "physio@test.example")
    copied = _copy_of(app, client)
    assert copied.get("/patients").status_code == 200
    client.post_form("/logout")
    assert copied.get("/patients").status_code == 302


def test_logging_out_ends_only_that_browsers_session(app, client, physio):
    phone = app.test_client()
    login(phone, "physio@test.example")
    login(client, "physio@test.example")
    client.post_form("/logout")
    assert phone.get("/patients").status_code == 200


def test_a_login_lasts_at_most_login_session_days(app, client, db, physio):
    login(client, "physio@test.example")
    row = db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == physio.id))
    days = app.config["LOGIN_SESSION_DAYS"]
    row.created_at = utcnow() - timedelta(days=days, minutes=-1)
    db.session.flush()
    assert client.get("/patients").status_code == 200
    row.created_at = utcnow() - timedelta(days=days, minutes=1)
    db.session.flush()
    assert client.get("/patients").status_code == 302


def test_logging_in_clears_expired_sessions_and_stores_only_token_hashes(app, client, db, physio):
    stale = LoginSession(user_id=physio.id, token_hash="0" * 64)
    stale.created_at = utcnow() - timedelta(days=app.config["LOGIN_SESSION_DAYS"] + 1)
    db.session.add(stale)
    db.session.flush()
    login(client, "physio@test.example")
    [row] = db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == physio.id))
    assert row.token_hash != "0" * 64
    with client.session_transaction() as session:
        token = session["_user_id"].partition(":")[2]
    assert len(token) >= 40 and token not in row.token_hash


def test_login_without_csrf_token_is_refused(client, physio):
    response = client.post("/login", data={"login": "physio@test.example", "password": PASSWORD})
    assert response.status_code == 400


def test_login_is_rate_limited_per_account(app, client, physio):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [login(client, "physio@test.example", "bad").status_code for _ in range(4)]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
        from app.extensions import limiter

        limiter.reset()
    assert statuses == [200, 200, 200, 429]


def _invite_for(app, physio, patient_user):
    with app.test_request_context():
        return accounts.issue_invite(physio, patient_user)


def test_invite_link_sets_password_and_logs_in(app, client, db, physio, make):
    patient = make.patient(physio, "invitee@test.example")
    patient.user.password_hash = None
    issued = _invite_for(app, physio, patient.user)
    page = client.get(f"/invite/{issued.token}")
    assert page.status_code == 200 and b"invitee@test.example" in page.data
    response = client.post_form(
        f"/invite/{issued.token}", {"password": "a-new-password", "confirm": "a-new-password"}
    )
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/today"  # logged in as the patient
    assert db.session.get(Invite, issued.invite.id).used_at is not None


def test_invite_works_only_once(app, client, db, physio, make):
    patient = make.patient(physio, "once@test.example")
    issued = _invite_for(app, physio, patient.user)
    form = {"password": "a-new-password", "confirm": "a-new-password"}
    assert client.post_form(f"/invite/{issued.token}", form).status_code == 302
    client.post_form("/logout")
    second = client.get(f"/invite/{issued.token}")
    assert second.status_code == 410
    assert b"ask your physio" in second.data


def test_expired_invite_is_refused(app, client, db, physio, make):
    patient = make.patient(physio, "late@test.example")
    issued = _invite_for(app, physio, patient.user)
    issued.invite.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    assert client.get(f"/invite/{issued.token}").status_code == 410


def test_invite_expires_after_seven_days(app, db, physio, make):
    patient = make.patient(physio)
    issued = _invite_for(app, physio, patient.user)
    lifetime = issued.invite.expires_at - issued.invite.created_at
    assert lifetime == timedelta(days=7)


def test_reissued_invite_replaces_the_old_one(app, client, db, physio, make):
    patient = make.patient(physio)
    first = _invite_for(app, physio, patient.user)
    second = _invite_for(app, physio, patient.user)
    assert client.get(f"/invite/{first.token}").status_code == 410
    assert client.get(f"/invite/{second.token}").status_code == 200


def test_invite_code_typed_on_a_phone_works(app, client, db, physio, make):
    patient = make.patient(physio, "coder@test.example")
    issued = _invite_for(app, physio, patient.user)
    typed = issued.display_code.lower().replace("-", " ")
    page = client.post_form("/invite", {"code": typed})
    assert page.status_code == 200
    assert b"coder@test.example" in page.data and b'name="code"' in page.data
    response = client.post_form(
        "/invite/code",
        {"code": issued.code, "password": "a-new-password", "confirm": "a-new-password"},
    )
    assert response.status_code == 302


def test_wrong_invite_code_says_ask_physio(client, db):
    response = client.post_form("/invite", {"code": "ABCD-EFGH"})
    assert response.status_code == 410


def test_invite_secrets_are_stored_only_as_hashes(app, db, physio, make):
    patient = make.patient(physio)
    issued = _invite_for(app, physio, patient.user)
    row = db.session.get(Invite, issued.invite.id)
    assert issued.token not in (row.token_hash, row.code_hash)
    assert issued.code not in (row.token_hash, row.code_hash)


def test_short_password_is_refused_and_nothing_changes(app, client, db, physio, make):
    patient = make.patient(physio)
    patient.user.password_hash = None
    issued = _invite_for(app, physio, patient.user)
    response = client.post_form(
        f"/invite/{issued.token}", {"password": "short", "confirm": "short"}
    )
    assert response.status_code == 200
    assert b"Use at least 12 characters" in response.data
    assert db.session.get(User, patient.user_id).password_hash is None


def test_password_change_ends_other_sessions(app, client, db, physio):
    other = app.test_client()
    other.login_as(physio)
    client.login_as(physio)
    response = client.post_form(
        "/account/password",
        {"current": PASSWORD, "password": "brand-new-password", "confirm": "brand-new-password"},
    )
    assert response.status_code == 302
    assert client.get("/patients").status_code == 200
    assert other.get("/patients").status_code == 302


def test_password_change_needs_the_current_password(client, physio):
    client.login_as(physio)
    response = client.post_form(
        "/account/password",
        {
            "current": "not it at all",
            "password": "brand-new-password",
            "confirm": "brand-new-password",
        },
    )
    assert b"not your current password" in response.data


def test_login_is_audited(client, db, physio):
    login(client, "physio@test.example")
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_id == physio.id)
    )
    assert "auth.login" in list(actions)
