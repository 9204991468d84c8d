"""`flask seed-demo` gives a first-run clinic, and never touches a production database."""

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from app.models import Message, Patient, User


def test_seed_demo_creates_the_demo_logins(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    logins = set(db.session.scalars(sa.select(User.login)))
    assert {"physio@example.com", "admin@example.com", "patient@example.com"} <= logins
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Patient)) >= 3
    assert "stride-demo" in result.output


def test_seed_demo_twice_changes_nothing(runner, db):
    runner.invoke(args=["seed-demo"])
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "already there" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users


def test_seed_demo_refuses_under_production_config(app, runner, db):
    app.config["STRIDE_ENV"] = "production"
    try:
        result = runner.invoke(args=["seed-demo"])
    finally:
        app.config["STRIDE_ENV"] = "testing"
    assert result.exit_code != 0
    assert "refuses to run under the production config" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_demo_physio_can_log_in(runner, client, db):
    runner.invoke(args=["seed-demo"])
    response = client.post_form(
        "/login", {"login": "physio@example.com", "password": "stride-demo"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("hour", [1, 5, 6, 8, 13, 23])
def test_the_demo_message_is_never_from_the_future(runner, db, monkeypatch, hour):  # type: ignore[no-untyped-def]
    from app.devdata import demo

    now = datetime.combine(date.today(), time(hour), tzinfo=UTC)
    monkeypatch.setattr(demo, "utcnow", lambda: now)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    sent = db.session.scalars(sa.select(Message.created_at)).all()
    assert sent and max(moment.replace(tzinfo=UTC) for moment in sent) <= now
