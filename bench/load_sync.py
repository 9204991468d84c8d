"""Load and fault test of /api/v1/sync: no acknowledged tick may be lost or counted twice.

Starts gunicorn (several workers, loopback only) against a PostgreSQL database of its own,
then 50 simulated phones sync tick/untick batches for a while, in three runs:
  steady     nothing goes wrong
  kill       one gunicorn worker is killed with SIGKILL mid-run
  pg-restart PostgreSQL is restarted mid-run (a pooled connection's first statement fails:
             SQLAlchemy drops the pool, that request answers 503 and the phone resends)
  pg-drop    (not run by default) every connection to the load database is terminated
             mid-run, which is what a restart does to the app, without restarting a server
             that other databases on a shared machine are using
A phone retries a failed batch with the same event ids, as the real page does, until it is
acknowledged. Afterwards every acknowledged event id must be in sync_events exactly once,
and every tick unit must hold the state of its last acknowledged event (last writer wins).

    .venv/bin/python bench/load_sync.py                 # 60 s per run, 50 patients
    .venv/bin/python bench/load_sync.py --seconds 20 --runs steady
    .venv/bin/python bench/load_sync.py --runs steady,kill,pg-drop --database stride_mine

Not part of `make test`. Needs PostgreSQL (PGHOST/PGPORT/PGUSER, default
postgres@127.0.0.1:5432) and, for pg-restart, pg_ctlcluster (it restarts the local cluster).

`--sqlite FILE` points it at the embedded default instead: a SQLite file (deleted and made
afresh), gunicorn with the development settings (production refuses SQLite), runs steady and
kill. There a "database is locked" would reach the phone as a 503 (the app answers a
database error so, and logs no statement): on SQLite every run must also have no 503.

    .venv/bin/python bench/load_sync.py --sqlite instance/load.db --runs steady,kill
"""

import argparse
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE = "stride_load"
SQLITE_FILE: Path | None = None  # --sqlite: the embedded default instead of PostgreSQL
MAX_DRAIN_SECONDS = 60
REQUEST_TIMEOUT = 10


def pg_url(database: str) -> str:
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    return f"postgresql+psycopg://{user}@{host}:{port}/{database}"


def load_url() -> str:
    """The load database's URL: the SQLite file, or DATABASE on the PostgreSQL server."""
    return f"sqlite:///{SQLITE_FILE}" if SQLITE_FILE else pg_url(DATABASE)


# --- Setup -----------------------------------------------------------------------------------


@dataclass
class Phone:
    """One simulated patient: their cookie, CSRF header and today's tick units."""

    patient_id: int
    cookie: str
    csrf: str
    day: str
    units: list[tuple[int, int, str]]


def create_database() -> None:
    if SQLITE_FILE:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
        return
    admin = sa.create_engine(
        pg_url(os.environ.get("PGDATABASE", "test")), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()


def seed(secret_key: str, patients: int) -> list[Phone]:
    """Migrate, load the library, and give each patient the gluteal tendinopathy template."""
    from flask_migrate import upgrade
    from itsdangerous import URLSafeTimedSerializer

    from app import create_app
    from app.domain.localtime import local_today
    from app.extensions import db
    from app.library.cli import library_dir
    from app.models import Clinic, ProgrammeTemplate, Role, User
    from app.services import accounts, activity, library, programmes

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=load_url(), SECRET_KEY=secret_key)
    phones = []
    with app.app_context(), app.test_request_context():
        upgrade()
        library.sync_library(library_dir())
        clinic = Clinic(name="Load clinic")
        db.session.add(clinic)
        db.session.flush()
        physio = User(
            clinic_id=clinic.id,
            role=Role.PHYSIO,
            name="Load Physio",
            login="load@example.com",
            email="load@example.com",
            password_hash="!",
        )
        db.session.add(physio)
        db.session.flush()
        template = db.session.scalar(
            sa.select(ProgrammeTemplate).where(ProgrammeTemplate.slug == "gluteal-tendinopathy")
        )
        sessions = app.session_interface.get_signing_serializer(app)
        csrf_signer = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token")
        for number in range(patients):
            patient, _ = accounts.create_patient(
                physio,
                accounts.NewPatient(
                    name=f"Load Patient {number}",
                    email=None,
                    date_of_birth=datetime(1980, 1, 1).date(),
                    timezone="Europe/London",
                    condition="gluteal-tendinopathy",
                    affected_side="right",
                    goal="",
                    usual_pain=2,
                ),
            )
            patient.user.password_hash = "!"  # an account that can hold a session
            today = local_today(patient.timezone)
            programmes.assign_programme(physio, patient, template, today, "Load plan")
            db.session.flush()
            view = activity.today_view(patient)
            units = [(i.line_id, u.session, u.side) for i in view.items for u in i.units]
            raw_csrf = secrets.token_hex(20)
            accounts.start_session(patient.user)
            cookie = sessions.dumps(
                {"_user_id": patient.user.get_id(), "_fresh": True, "csrf_token": raw_csrf}
            )
            phones.append(
                Phone(patient.id, cookie, csrf_signer.dumps(raw_csrf), today.isoformat(), units)
            )
        db.session.commit()
        db.engine.dispose()
    return phones


# --- The server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, secret_key: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        # Production refuses SQLite: the development settings serve the embedded default.
        "STRIDE_CONFIG": "development" if SQLITE_FILE else "production",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": load_url(),
        "EXTERNAL_URL": f"http://127.0.0.1:{port}",
        # Production refuses several workers without Redis; the phones never log in, so
        # the rate limiter, its only user, is never asked (no Redis needs to run).
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120  # a busy shared machine boots workers slowly
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start; see {log}")


def worker_pids(master: subprocess.Popen) -> list[int]:
    """The gunicorn workers this script's master started (its child processes)."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# --- The phones ------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the phones saw in one run."""

    requests: int = 0
    sent: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


# unit -> (client_time, type) of the newest acknowledged event, over all runs
LAST_ACKED: dict[tuple[int, int, int, str], tuple[str, str]] = {}
LAST_LOCK = threading.Lock()


def phone_loop(base: str, phone: Phone, tally: Tally, until: float, rng: random.Random) -> None:
    session = requests.Session()
    headers = {"X-CSRFToken": phone.csrf, "Cookie": f"session={phone.cookie}"}
    pending: list[dict] = []  # a batch not yet acknowledged: resent as is
    drain_until = until + MAX_DRAIN_SECONDS
    while True:
        now = time.monotonic()
        if not pending:
            if now >= until:
                return
            pending = [new_event(phone, rng) for _ in range(rng.randint(1, 5))]
            with tally.lock:
                tally.sent += len(pending)
        elif now >= drain_until:
            tally.error("gave up after the drain time")
            return
        started = time.monotonic()
        try:
            response = session.post(
                f"{base}/api/v1/sync",
                json={"events": pending},
                headers=headers,
                timeout=REQUEST_TIMEOUT,
            )
        except requests.RequestException as error:
            tally.error(f"connection: {type(error).__name__}")
            time.sleep(0.2 + rng.random() * 0.3)
            continue
        with tally.lock:
            tally.requests += 1
            tally.latencies.append(time.monotonic() - started)
        if response.status_code != 200:
            tally.error(f"HTTP {response.status_code}")
            time.sleep(0.2 + rng.random() * 0.3)
            continue
        results = response.json()["results"]
        sent_by_id = {event["id"]: event for event in pending}
        for result in results:
            status = result["status"]
            with tally.lock:
                tally.statuses[status] = tally.statuses.get(status, 0) + 1
                if status != "rejected":
                    tally.acked.add(result["id"])
            if status == "rejected":
                tally.error(f"rejected: {result.get('errors')}")
                continue
            event = sent_by_id[result["id"]]
            key = (phone.patient_id, event["line_id"], event["session"], event["side"])
            with LAST_LOCK:
                if key not in LAST_ACKED or LAST_ACKED[key][0] < event["client_time"]:
                    LAST_ACKED[key] = (event["client_time"], event["type"])
        pending = []
        if rng.random() < 0.05 and results:
            # A phone that lost the answer sends the same batch again: must be "duplicate".
            pending = [sent_by_id[r["id"]] for r in results if r["id"] in sent_by_id]
        time.sleep(rng.random() * 0.05)


def new_event(phone: Phone, rng: random.Random) -> dict:
    line_id, session, side = rng.choice(phone.units)
    return {
        "id": str(uuid.uuid4()),
        "type": "tick" if rng.random() < 0.7 else "untick",
        "local_date": phone.day,
        "line_id": line_id,
        "session": session,
        "side": side,
        # Microseconds keep the order strict; a real phone's clock does the same job.
        "client_time": datetime.now(UTC).isoformat(timespec="microseconds"),
    }


# --- Faults and checks -----------------------------------------------------------------------


def restart_postgresql() -> str:
    versions = sorted(os.listdir("/etc/postgresql"))
    command = [
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        versions[-1],
        "main",
        "restart",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return f"{' '.join(command)} -> exit {result.returncode}"


def drop_connections() -> str:
    """Terminate every connection to the load database (gunicorn's pooled ones among them)."""
    admin = sa.create_engine(
        pg_url(os.environ.get("PGDATABASE", "test")), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        ended = connection.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": DATABASE},
        )
    admin.dispose()
    return f"terminated {ended} connections to {DATABASE}"


def verify(tally: Tally) -> dict[str, object]:
    engine = sa.create_engine(load_url())
    with engine.connect() as connection:
        stored = dict(
            connection.execute(sa.text("SELECT id, count(*) FROM sync_events GROUP BY id")).all()
        )
        duplicated_units = connection.scalar(
            sa.text(
                "SELECT count(*) FROM (SELECT 1 FROM exercise_logs GROUP BY patient_id, "
                "local_date, line_id, session, side HAVING count(*) > 1) AS twice"
            )
        )
        logs = {
            (row.patient_id, row.line_id, row.session, row.side): row.done
            for row in connection.execute(
                sa.text("SELECT patient_id, line_id, session, side, done FROM exercise_logs")
            )
        }
    engine.dispose()
    lost = [event_id for event_id in tally.acked if event_id not in stored]
    duplicated = [event_id for event_id, count in stored.items() if count > 1]
    with LAST_LOCK:
        wrong_state = [
            key for key, (_, kind) in LAST_ACKED.items() if logs.get(key) != (kind == "tick")
        ]
    return {
        "acknowledged": len(tally.acked),
        "lost": len(lost),
        "duplicated_events": len(duplicated),
        "duplicated_units": duplicated_units,
        "units_in_wrong_state": len(wrong_state),
        "stored_events_total": len(stored),
    }


def run(name: str, base: str, master: subprocess.Popen, phones: list[Phone], seconds: int) -> dict:
    tally = Tally()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=phone_loop,
            args=(base, phone, tally, until, random.Random(phone.patient_id)),
            daemon=True,
        )
        for phone in phones
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    fault = None
    if name != "steady":
        time.sleep(seconds / 3)
        if name == "kill":
            victim = worker_pids(master)[0]
            os.kill(victim, signal.SIGKILL)
            fault = f"SIGKILL worker {victim} at {seconds // 3}s"
        elif name == "pg-drop":
            fault = drop_connections() + f" at {seconds // 3}s"
        else:
            fault = restart_postgresql() + f" at {seconds // 3}s"
    for thread in threads:
        thread.join(timeout=seconds + MAX_DRAIN_SECONDS + REQUEST_TIMEOUT + 5)
    elapsed = time.monotonic() - started
    latencies = sorted(tally.latencies) or [0.0]
    return {
        "run": name,
        "fault": fault,
        "seconds": round(elapsed, 1),
        "patients": len(phones),
        "requests": tally.requests,
        "events_sent": tally.sent,
        "requests_per_second": round(tally.requests / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
        "statuses": tally.statuses,
        "errors": tally.errors,
        "http_503": tally.errors.get("HTTP 503", 0),
        **verify(tally),
    }


def main() -> int:
    global DATABASE, SQLITE_FILE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--runs", default="steady,kill,pg-restart")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--database", default=DATABASE, help="dropped and made afresh")
    parser.add_argument("--sqlite", type=Path, help="a SQLite file instead (made afresh)")
    args = parser.parse_args()
    DATABASE = args.database
    if args.sqlite:
        SQLITE_FILE = args.sqlite.resolve()
        DATABASE = str(SQLITE_FILE)
        if any(name.startswith("pg-") for name in args.runs.split(",")):
            parser.error("--sqlite runs steady and kill (pg-restart and pg-drop are PostgreSQL's)")
    secret_key = secrets.token_hex(32)
    log = ROOT / "instance" / "load_sync_gunicorn.log"
    log.parent.mkdir(exist_ok=True)

    print(f"Creating database {DATABASE} and {args.patients} patients...", flush=True)
    create_database()
    phones = seed(secret_key, args.patients)
    port = free_port()
    master = start_gunicorn(port, args.workers, secret_key, log)
    base = f"http://127.0.0.1:{port}"
    print(f"gunicorn (pid {master.pid}, {args.workers} workers) on {base}; log {log}", flush=True)
    results = []
    try:
        for name in args.runs.split(","):
            print(f"== {name}: {args.patients} phones for {args.seconds}s", flush=True)
            result = run(name, base, master, phones, args.seconds)
            results.append(result)
            print(json.dumps(result, indent=2), flush=True)
    finally:
        stop(master)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    bad = [
        r["run"]
        for r in results
        if r["lost"]
        or r["duplicated_events"]
        or r["duplicated_units"]
        or r["units_in_wrong_state"]
        or (SQLITE_FILE and r["http_503"])  # "database is locked"
    ]
    verdict = "0 lost, 0 duplicated in every run" + (", no 503" if SQLITE_FILE else "")
    print("RESULT:", "FAIL in " + ", ".join(bad) if bad else verdict)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
