"""Guessing logins and invite codes: limits every worker shares, a soft lockout, 429s that say
when to come back."""

import os
import uuid
from collections.abc import Iterator

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from app.extensions import limiter
from app.rate_limits import DATABASE, SCHEME, DatabaseStorage, resolve_storage
from tests.factories import PASSWORD
from tests.security.world import World

LIMITS = ("LOGIN_RATE_LIMIT", "LOGIN_LOCKOUT_LIMIT", "INVITE_GUESS_LIMIT")


@pytest.fixture
def strict(app) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Three of each a minute, as a fresh limiter sees them."""
    limiter.reset()
    app.config.update(dict.fromkeys(LIMITS, "3 per minute"))
    try:
        yield
    finally:
        app.config.update(dict.fromkeys(LIMITS, "1000 per minute"))
        limiter.reset()


def _login(client, who: str, password: str, address: str):  # type: ignore[no-untyped-def]
    return client.post_form(
        "/login", {"login": who, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _storage_urls(tmp_path) -> list[str]:  # type: ignore[no-untyped-def]
    urls = [f"{SCHEME}sqlite:///{tmp_path / 'limits.db'}"]
    pg = os.environ.get("TEST_DATABASE_URL", "")
    if pg.startswith("postgresql"):
        urls.append(SCHEME + pg.replace("postgresql://", "postgresql+psycopg://", 1))
    return urls


def test_login_guesses_from_four_workers_are_counted_together(tmp_path):
    """With memory:// each gunicorn worker counted alone: 12 wrong logins were never refused."""
    for url in _storage_urls(tmp_path):
        workers = [FixedWindowRateLimiter(DatabaseStorage(url)) for _ in range(4)]
        rule, key = parse("10 per minute"), f"login:{uuid.uuid4()}"
        answers = [workers[n % 4].hit(rule, key) for n in range(12)]
        assert answers == [True] * 10 + [False, False], url
        assert workers[0].get_window_stats(rule, key).remaining == 0
        other = f"login:{uuid.uuid4()}"
        assert workers[1].hit(rule, other)  # another key is not affected
        workers[0].clear(rule, key)
        workers[0].clear(rule, other)
        assert workers[2].hit(rule, key)  # cleared: counting starts again
        for worker in workers:
            worker.storage.engine.dispose()  # type: ignore[attr-defined]


def test_a_window_that_has_ended_starts_counting_again(tmp_path):
    storage = DatabaseStorage(_storage_urls(tmp_path)[0])
    key = f"k:{uuid.uuid4()}"
    assert [storage.incr(key, 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get(key) == 3 and storage.get_expiry(key) > 0
    ended = f"k:{uuid.uuid4()}"
    assert [storage.incr(ended, 0) for _ in range(3)] == [1, 1, 1]  # each window ends at once
    assert storage.get(ended) == 0
    assert storage.check()
    storage.engine.dispose()


def test_without_redis_the_counters_live_in_the_apps_database():
    class FakeApp:
        config = {"RATELIMIT_STORAGE_URI": DATABASE, "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}

    resolve_storage(FakeApp())  # type: ignore[arg-type]
    assert FakeApp.config["RATELIMIT_STORAGE_URI"] == "stride+sqlite:///x.db"


@pytest.mark.usefixtures("strict")
def test_soft_lockout_also_refuses_the_right_password(client, world: World):
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert _login(client, "physio-a@test.example", "wrong", address).status_code == 200
    response = _login(client, "physio-a@test.example", PASSWORD, "198.51.100.4")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) <= 60
    assert b"Too many attempts" in response.data


@pytest.mark.usefixtures("strict")
def test_a_limited_view_says_how_many_tries_are_left_and_others_say_nothing(client, world: World):
    first = _login(client, "physio-a@test.example", "wrong", "198.51.100.7")
    second = _login(client, "physio-a@test.example", "wrong", "198.51.100.7")
    assert first.headers["X-RateLimit-Limit"] == "3"
    assert [int(r.headers["X-RateLimit-Remaining"]) for r in (first, second)] == [2, 1]
    unlimited = client.get("/healthz")
    assert not [name for name in unlimited.headers.keys() if name.startswith("X-RateLimit")]


@pytest.mark.usefixtures("strict")
def test_soft_lockout_counts_only_failed_logins(client, world: World):
    for n in range(3):
        assert (
            _login(client, "physio-a@test.example", PASSWORD, f"198.51.100.{n}").status_code == 302
        )
        client.post_form("/logout")
    assert _login(client, "physio-a@test.example", PASSWORD, "198.51.100.9").status_code == 302


@pytest.mark.usefixtures("strict")
def test_invite_code_guesses_spread_over_many_addresses_hit_one_global_limit(client, world: World):
    statuses = [
        client.post_form(
            "/invite", {"code": f"ABCD-EFG{n}"}, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [410, 410, 410, 429]
    response = client.post_form(
        "/invite/code", {"code": "WXYZ-WXYZ"}, environ_base={"REMOTE_ADDR": "203.0.113.99"}
    )
    assert response.status_code == 429 and "Retry-After" in response.headers
