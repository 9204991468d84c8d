"""`flask seed-demo` gives a first-run clinic, and never touches a production database."""

import sqlalchemy as sa

from app.models import Patient, User


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
