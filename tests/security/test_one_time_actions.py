"""One-time actions decided once in the database, fired from several threads at once.

The probe (PostgreSQL, 4 workers): one invite link submitted from six devices at once was
accepted four times; four "new invite" clicks at once left three links usable. These tests
commit for real (no rolled-back test transaction: each thread's request has its own database
connection, as in production) and delete what they made afterwards.
"""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.models import AuditEvent, Clinic, Invite, LoginSession, Patient, Role, User
from app.services import accounts
from app.services.passwords import hash_password
from tests.factories import PASSWORD, Make

THREADS = 6


@pytest.fixture
def committed(app: Flask) -> Iterator[dict[str, int]]:
    """A clinic, a physio and a patient with an invite, committed; removed afterwards."""
    with app.app_context():
        make = Make(password_hash=hash_password(PASSWORD))
        clinic = make.clinic("Race clinic")
        physio = make.staff(clinic, Role.PHYSIO, "race-physio@test.example")
        patient = make.patient(physio, "race-patient@test.example")
        patient.user.password_hash = None
        issued = accounts.issue_invite(physio, patient.user)
        db.session.commit()
        ids = {"clinic": clinic.id, "physio": physio.id, "patient": patient.id}
        ids |= {"patient_user": patient.user_id}
        token = issued.token
    yield {**ids, "token": token}  # type: ignore[dict-item]
    with app.app_context():
        users = [ids["physio"], ids["patient_user"]]
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.clinic_id == ids["clinic"]))
        db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id.in_(users)))
        db.session.execute(sa.delete(Invite).where(Invite.user_id.in_(users)))
        db.session.execute(sa.delete(Patient).where(Patient.id == ids["patient"]))
        db.session.execute(sa.delete(User).where(User.id.in_(users)))
        db.session.execute(sa.delete(Clinic).where(Clinic.id == ids["clinic"]))
        db.session.commit()


def _at_once(app: Flask, request: Callable[[object], int]) -> list[int]:
    """Run request(client) in THREADS threads released together; return their statuses."""
    clients = [app.test_client() for _ in range(THREADS)]
    ready = threading.Barrier(THREADS)

    def run(client: object) -> int:
        with app.app_context():
            ready.wait()
            return request(client)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, clients))


def test_one_invite_link_submitted_from_six_devices_at_once_is_accepted_once(app: Flask, committed):
    url = f"/invite/{committed['token']}"

    def accept(client) -> int:  # type: ignore[no-untyped-def]
        password = f"my own long password {id(client)}"
        return client.post_form(url, {"password": password, "confirm": password}).status_code

    statuses = _at_once(app, accept)
    # One winner; the rest are told it was used: 409 if they raced it, 410 if they came after.
    assert statuses.count(302) == 1, statuses
    assert all(status in (302, 409, 410) for status in statuses), statuses
    with app.app_context():
        accepted = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.clinic_id == committed["clinic"], AuditEvent.action == "invite.accept"
            )
        ).all()
        assert len(accepted) == 1
        sessions = db.session.scalar(
            sa.select(sa.func.count(LoginSession.id)).where(
                LoginSession.user_id == committed["patient_user"]
            )
        )
        assert sessions == 1  # only the winner is signed in


def test_the_losers_of_an_invite_race_are_told_it_was_already_used(app: Flask, committed):
    url = f"/invite/{committed['token']}"
    statuses = _at_once(
        app,
        lambda client: (
            client.post_form(  # type: ignore[attr-defined]
                url, {"password": "my own long password", "confirm": "my own long password"}
            ).status_code
        ),
    )
    assert statuses.count(302) == 1
    client = app.test_client()
    with app.app_context():
        again = client.post_form(
            url, {"password": "my own long password", "confirm": "my own long password"}
        )
    assert again.status_code == 410 and b"cannot be used" in again.data


def test_four_new_invite_clicks_at_once_leave_one_usable_link(app: Flask, committed):
    with app.app_context():
        physio = db.session.get(User, committed["physio"])
        clients = []
        for _ in range(THREADS):
            client = app.test_client()
            client.login_as(physio)  # type: ignore[attr-defined]
            clients.append(client)
        db.session.commit()
    url = f"/patients/{committed['patient']}/invite"
    queue = iter(clients)
    lock = threading.Lock()

    def issue(_client) -> int:  # type: ignore[no-untyped-def]
        with lock:
            client = next(queue)
        return client.post_form(url).status_code

    statuses = _at_once(app, issue)
    assert all(status == 200 for status in statuses), statuses
    with app.app_context():
        usable = db.session.scalars(
            sa.select(Invite).where(
                Invite.user_id == committed["patient_user"],
                Invite.used_at.is_(None),
                Invite.revoked_at.is_(None),
            )
        ).all()
        assert len(usable) == 1
