"""New passwords: at least 12 characters, and not a common or easily guessed one (zxcvbn)."""

import pytest

from app.extensions import db
from app.models import User
from app.services.passwords import password_problem
from tests.factories import PASSWORD
from tests.security.world import World

# fmt: off
WEAK = [
    # password          why it is refused (part of the message)
    ("password123",     "at least 12 characters"),   # 11 characters: accepted before
    ("stride-demo",     "at least 12 characters"),
    ("aaaaaaaaaaaa",    "Repeats"),
    ("password1234",    "common"),
    ("qwertyuiop12",    "common"),
    ("abcdefghijkl",    "Sequences"),
    ("123456789012",    "harder password"),
    ("Password1234",    "common"),
]
# fmt: on
STRONG = ["correct horse battery", "a brand new password", "my own long password"]


@pytest.mark.parametrize("password, why", WEAK)
def test_weak_password_is_refused_saying_why(password: str, why: str):
    problem = password_problem(password)
    assert problem is not None and why.lower() in problem.lower()


@pytest.mark.parametrize("password", STRONG)
def test_long_uncommon_passwords_are_accepted(password: str):
    assert password_problem(password) is None


def test_password_made_of_the_patients_own_name_is_refused():
    assert password_problem("aliceable2026", ("Alice Able", "patient-a@test.example")) is not None


@pytest.mark.parametrize("password", ["password123", "aaaaaaaaaaaa"])
def test_guessable_password_through_an_invite_is_refused_and_nothing_is_stored(
    client, world: World, password: str
):
    before = db.session.get(User, world.patient_a.user_id).password_hash
    response = client.post_form(
        f"/invite/{world.invite_token}", {"password": password, "confirm": password}
    )
    assert response.status_code == 200
    assert b"Choose a harder password" in response.data or b"at least 12" in response.data
    db.session.expire_all()
    assert db.session.get(User, world.patient_a.user_id).password_hash == before


def test_guessable_password_change_is_refused_with_422(client, world: World):
    client.login_as(world.physio_a)
    response = client.post_form(
        "/account/password",
        {"current": PASSWORD, "password": "password1234", "confirm": "password1234"},
    )
    assert response.status_code == 422
    assert b"Choose a harder password" in response.data


def test_a_password_longer_than_the_estimator_reads_is_still_judged():
    """zxcvbn 4.5 raises past 72 characters: the sweep's 200 x "é" was a 500."""
    assert password_problem("é" * 200) is not None
    assert password_problem("correct horse battery " * 9) is None
