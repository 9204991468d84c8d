"""SQLite, the embedded default: read requests do not take the write lock.

Each test builds its own app on a fresh database file (the suite's shared connection would
hide the locking), commits its data for real, and drives it from real threads or a second
connection; nothing sleeps.
"""

import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.domain.localtime import local_today, utcnow
from app.extensions import db
from app.models import LoginSession, Patient, SyncEvent
from app.services import accounts
from tests.factories import Make, tick

pytestmark = pytest.mark.skipif(
    not create_app("testing").config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"),
    reason="SQLite's locking: this suite runs on PostgreSQL, which has no database lock",
)


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[tuple[Flask, Path, int]]:
    """An app on its own database file with one patient and a programme, committed."""
    path = tmp_path / "locks.db"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        make = Make(password_hash="x")
        physio = make.staff(make.clinic())
        patient = make.patient(physio)
        exercise = make.exercise("lock-bridge", name="Bridge")
        make.programme(patient, [exercise], start=local_today(patient.timezone) - timedelta(3))
        db.session.commit()
        patient_id = patient.id
    yield app, path, patient_id
    with app.app_context():
        db.engine.dispose()


def _signed_in(app: Flask, patient_id: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.get(Patient, patient_id).user
        accounts.start_session(user)
        session_id = user.get_id()
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/today")
    marker = 'name="csrf-token" content="'
    return page.text.split(marker, 1)[1].split('"', 1)[0]


def test_the_day_page_is_served_while_another_process_holds_the_write_lock(sqlite_app):
    app, path, patient_id = sqlite_app
    client = _signed_in(app, patient_id)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another worker in the middle of a write
    try:
        page = client.get("/today")
        api = client.get("/api/v1/today")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert (page.status_code, api.status_code) == (200, 200)


def test_a_read_request_that_writes_takes_the_lock_at_its_first_write(sqlite_app):
    """A login session due its "last used" note: another worker commits between the page's
    read and that write, which a deferred transaction could not then make (its snapshot is
    stale); the read is ended and the write made under the lock instead."""
    app, path, patient_id = sqlite_app
    client = _signed_in(app, patient_id)
    with app.app_context():
        old = utcnow() - timedelta(hours=1)
        db.session.execute(sa.update(LoginSession).values(last_seen_at=old))
        db.session.commit()
        engine = db.engine

    wrote: list[bool] = []

    def another_worker_writes(conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        # After the page's first read (its snapshot taken), before its write.
        if not wrote and "FROM USERS JOIN LOGIN_SESSIONS" in statement.upper():  # session_user
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("UPDATE clinics SET name = name || '.'")
            other.close()
            wrote.append(True)

    sa.event.listen(engine, "after_cursor_execute", another_worker_writes)
    try:
        page = client.get("/today")
    finally:
        sa.event.remove(engine, "after_cursor_execute", another_worker_writes)
    assert wrote
    assert page.status_code == 200
    with app.app_context():
        seen = db.session.scalar(sa.select(LoginSession.last_seen_at))
    assert seen.replace(tzinfo=None) > old.replace(tzinfo=None)


def test_reads_and_syncs_from_several_threads_all_succeed_and_every_tick_is_stored(sqlite_app):
    app, _, patient_id = sqlite_app
    readers, reads, ticks = 4, 15, 15
    clients = [_signed_in(app, patient_id) for _ in range(readers + 1)]
    syncer = clients[-1]
    token = _csrf(syncer)
    with app.app_context():
        day = local_today(db.session.get(Patient, patient_id).timezone)
    start = threading.Barrier(readers + 1)
    answers: list[int] = []
    sent: list[str] = []

    def read(client) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        for n in range(reads):
            answers.append(client.get("/today" if n % 2 else "/api/v1/today").status_code)

    def sync() -> None:
        start.wait()
        for n in range(ticks):
            event = tick(1, day, type="untick" if n % 2 else "tick")
            sent.append(event["id"])
            answer = syncer.post("/api/v1/sync", json={"events": [event]},
                                 headers={"X-CSRFToken": token})  # fmt: skip
            answers.append(answer.status_code)

    threads = [threading.Thread(target=read, args=(c,)) for c in clients[:readers]]
    threads.append(threading.Thread(target=sync))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert answers.count(200) == readers * reads + ticks, sorted(set(answers))
    with app.app_context():
        stored = db.session.scalars(sa.select(SyncEvent.id).where(SyncEvent.id.in_(sent))).all()
    assert sorted(stored) == sorted(sent)
