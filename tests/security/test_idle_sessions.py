"""A login left unused ends: after 12 hours for staff, 7 days for a patient on their phone,
besides the 30-day limit however often it is used."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.domain.localtime import utcnow
from app.extensions import db
from app.models import LoginSession, User
from tests.security.world import World


def _idle_for(user: User, gap: timedelta) -> None:
    db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id)
        .values(last_seen_at=utcnow() - gap)
    )
    db.session.flush()


def _signed_in(client, url: str) -> bool:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code < 500
    return response.status_code == 200


# fmt: off
@pytest.mark.parametrize(
    "who, url, idle, still_in",
    [
        ("physio", "/dashboard", timedelta(hours=11, minutes=50), True),
        ("physio", "/dashboard", timedelta(hours=12, minutes=10), False),
        ("patient", "/today", timedelta(hours=13), True),
        ("patient", "/today", timedelta(days=6, hours=23), True),
        ("patient", "/today", timedelta(days=7, minutes=10), False),
    ],
)
# fmt: on
def test_a_stolen_but_idle_session_stops_working(
    client, world: World, who: str, url: str, idle: timedelta, still_in: bool
):
    user = world.physio_a if who == "physio" else world.patient_a.user
    client.login_as(user)
    _idle_for(user, idle)
    assert _signed_in(client, url) is still_in


def test_using_a_session_keeps_it_alive(client, world: World):
    client.login_as(world.physio_a)
    _idle_for(world.physio_a, timedelta(hours=11))
    assert _signed_in(client, "/dashboard")
    seen = db.session.scalar(
        sa.select(LoginSession.last_seen_at).where(LoginSession.user_id == world.physio_a.id)
    )
    assert utcnow() - seen < timedelta(minutes=1)  # noted by a read, and committed
    _idle_for(world.physio_a, timedelta(hours=11))  # 22 hours since login, never 12 idle
    assert _signed_in(client, "/dashboard")


def test_a_session_in_use_is_noted_at_most_every_few_minutes(client, world, query_counter):
    client.login_as(world.physio_a)
    client.get("/dashboard")
    with query_counter() as statements:
        client.get("/dashboard")
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE LOGIN_SESSIONS")]
