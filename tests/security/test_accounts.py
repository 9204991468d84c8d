"""Accounts: argon2id hashes, login rate limits, no user enumeration, sessions, hashed invites."""

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, Type

from app.extensions import db, limiter
from app.models import AuditEvent, Invite, User
from app.services import accounts, passwords
from tests.factories import PASSWORD
from tests.security.world import World


def _login(client, login: str, password: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post_form(
        "/login",
        {"login": login, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def strict_login_limit(app) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Three login attempts a minute, as a fresh limiter sees them."""
    limiter.reset()
    names = ("LOGIN_RATE_LIMIT", "LOGIN_LOCKOUT_LIMIT", "INVITE_GUESS_LIMIT")
    app.config.update(dict.fromkeys(names, "3 per minute"))
    try:
        yield
    finally:
        app.config.update(dict.fromkeys(names, "1000 per minute"))
        limiter.reset()


# --- Hashes ----------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2id(app, client, world: World):
    with app.app_context():
        assert passwords.hash_password("a long enough password").startswith("$argon2id$")
    # The production hasher, not only the fast one the tests use.
    assert passwords._default.type is Type.ID
    assert passwords._default.memory_cost >= 19 * 1024 and passwords._default.time_cost >= 2


def test_a_password_set_through_an_invite_is_stored_as_argon2id(client, world: World):
    response = client.post_form(
        f"/invite/{world.invite_token}",
        {"password": "a brand new password", "confirm": "a brand new password"},
    )
    assert response.status_code == 302
    stored = db.session.get(User, world.patient_a.user_id).password_hash
    assert stored.startswith("$argon2id$") and "a brand new password" not in stored


def test_verify_accepts_production_strength_hashes(app):
    strong = PasswordHasher().hash("correct horse battery")
    with app.app_context():
        assert passwords.verify_password(strong, "correct horse battery")
        assert not passwords.verify_password(strong, "wrong")
        assert not passwords.verify_password("not-a-hash", "wrong")


# --- Rate limits -----------------------------------------------------------------------------


def test_login_is_rate_limited_per_address_across_accounts(
    client, world: World, strict_login_limit
):
    logins = ["physio-a@test.example", "physio-x@test.example", "admin-a@test.example", "x@y.z"]
    statuses = [_login(client, who, "wrong", "203.0.113.7").status_code for who in logins]
    assert statuses == [200, 200, 200, 429]
    # Another address is not affected.
    assert _login(client, "admin-b@test.example", "wrong", "203.0.113.8").status_code == 200


def test_login_is_rate_limited_per_account_across_addresses(
    client, world: World, strict_login_limit
):
    addresses = ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"]
    statuses = [
        _login(client, "physio-a@test.example", "wrong", address).status_code
        for address in addresses
    ]
    assert statuses == [200, 200, 200, 429]
    # The account limit also stops the right password: no guessing past it.
    assert _login(client, "PHYSIO-A@test.example", PASSWORD, "198.51.100.9").status_code == 429
    assert _login(client, "physio-x@test.example", "wrong", "198.51.100.9").status_code == 200


def test_rate_limited_login_says_so_in_plain_words(client, world: World, strict_login_limit):
    for _ in range(3):
        _login(client, "physio-a@test.example", "wrong")
    response = _login(client, "physio-a@test.example", "wrong")
    assert response.status_code == 429
    assert b"Too many attempts" in response.data


def test_invite_codes_are_rate_limited(client, world: World, strict_login_limit):
    statuses = [client.post_form("/invite", {"code": f"ABCD-EFG{n}"}).status_code for n in range(4)]
    assert statuses[-1] == 429


# --- Enumeration -----------------------------------------------------------------------------


def _page_text(response) -> str:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    text = re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", text)
    text = re.sub(r'<meta name="csrf-token"[^>]*>', "", text)
    return re.sub(r'value="[^"]*@test\.example"', "", text)


def test_unknown_account_and_wrong_password_look_the_same(client, world: World):
    world.physio_other.active = False
    db.session.flush()
    wrong_password = _login(client, "physio-a@test.example", "not the password")
    unknown = _login(client, "nobody@test.example", "not the password")
    inactive = _login(client, "physio-x@test.example", PASSWORD)
    assert wrong_password.status_code == unknown.status_code == inactive.status_code == 200
    assert _page_text(wrong_password) == _page_text(unknown) == _page_text(inactive)


def test_unknown_account_costs_one_password_hash_like_a_real_one(app, monkeypatch, world: World):
    """The time an answer takes must not tell whether the account exists."""
    calls: list[str] = []
    real = passwords._hasher()

    class CountingHasher:
        def hash(self, password: str) -> str:
            calls.append("hash")
            return real.hash(password)

        def verify(self, stored: str, password: str) -> bool:
            calls.append("verify")
            return real.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", lambda: CountingHasher())
    client = app.test_client()
    _login(client, "nobody@test.example", "not the password")
    unknown = list(calls)
    calls.clear()
    _login(client, "physio-a@test.example", "not the password")
    assert unknown == ["hash"] and calls == ["verify"]


def test_invite_pages_do_not_reveal_whether_a_code_exists(client, world: World):
    used = client.post_form("/invite", {"code": "ZZZZ-ZZZZ"})
    assert used.status_code == 410 and b"physio" in used.data


# --- Sessions --------------------------------------------------------------------------------


def test_password_reset_by_invite_ends_the_patients_other_sessions(app, client, world: World):
    phone = app.test_client().login_as(world.patient_a.user)
    assert phone.get("/me").status_code == 200
    client.post_form(
        f"/invite/{world.invite_token}",
        {"password": "a brand new password", "confirm": "a brand new password"},
    )
    assert client.get("/me").status_code == 200  # the browser that set it stays in
    assert phone.get("/me").status_code == 302  # the old session is over
    assert phone.get("/api/v1/today").status_code == 401


def test_password_change_ends_other_sessions_including_the_api(app, client, world: World):
    phone = app.test_client().login_as(world.patient_a.user)
    client.login_as(world.patient_a.user).post_form(
        "/account/password",
        {
            "current": PASSWORD,
            "password": "a brand new password",
            "confirm": "a brand new password",
        },
    )
    assert phone.get("/api/v1/today").status_code == 401
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "account.password_change")
    ).all()
    assert [e.actor_id for e in events] == [world.patient_a.user_id]


# --- Invites ---------------------------------------------------------------------------------


def test_invite_secrets_appear_nowhere_in_the_database(app, world: World):
    with app.test_request_context():
        issued = accounts.issue_invite(world.physio_a, world.patient_b.user)
    db.session.flush()
    row = db.session.get(Invite, issued.invite.id)
    assert re.fullmatch(r"[0-9a-f]{64}", row.token_hash) and re.fullmatch(
        r"[0-9a-f]{64}", row.code_hash
    )
    for table in db.metadata.sorted_tables:
        dump = repr(db.session.execute(sa.select(table)).all())
        assert issued.token not in dump, table.name
        assert issued.code not in dump, table.name
