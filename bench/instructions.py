"""Count the CPU instructions one request costs, in process, under valgrind's callgrind.

Instruction counts are stable where times are not (this machine's two CPUs are shared), so
they compare a change's fixed per-request cost before and after. Each target is sent through
the WSGI app as gunicorn calls it (deferred work included, no test client): a few warm-up
requests, then `--requests N` inside sys.call_tracing, the only span callgrind counts
(--toggle-collect), so start-up, imports and signing in are left out. The figure is the
app's, SQLAlchemy's and the driver's instructions per request in this process, not
PostgreSQL's own work, which runs in its own.

    .venv/bin/python bench/instructions.py \
        --database postgresql://postgres@127.0.0.1:5432/stride_bench2k [--requests 50] \
        [healthz signed_in today sync sync_first dashboard charts charts_staff]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WARM_UP = 5
AGENT = {"User-Agent": "stride-bench"}  # as bench/run.py logs in and wrk sends
TARGETS = (
    "healthz", "signed_in", "today", "today_api", "sync", "sync_first", "dashboard",
    "charts", "charts_staff",
)  # fmt: skip
STAFF = ("dashboard", "charts_staff")  # signed in as physio 1, the others as the patient


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a seeded database (make bench's)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--replay", type=int, help=argparse.SUPPRESS)  # the child under valgrind
    parser.add_argument("targets", nargs="*", default=list(TARGETS[:5]))
    args = parser.parse_args()
    if args.replay is not None:
        replay(args.database, args.targets[0], args.replay)
        return 0
    rows = []
    for target in args.targets:
        per_request = _callgrind(args.database, target, args.requests) / args.requests
        rows.append({"target": target, "instructions_per_request": round(per_request)})
        print(f"{target}: {per_request / 1e6:.2f} M instructions per request", flush=True)
    print(json.dumps(rows))
    return 0


def _callgrind(database: str, target: str, count: int) -> int:
    """Run the replay under callgrind; return the instructions of the measured requests."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--collect-atstart=no",
             "--toggle-collect=sys_call_tracing", f"--callgrind-out-file={out}",
             sys.executable, __file__, "--database", database, "--replay", str(count), target],
            check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": "0"},
        )  # fmt: skip
        summary = re.search(r"^summary:\s+(\d+)", out.read_text(), re.MULTILINE)
        assert summary, "callgrind wrote no summary"
        return int(summary.group(1))


def replay(database: str, target: str, count: int) -> None:
    """Sign in, send the target request count times through the WSGI app, close each reply."""
    from werkzeug.test import EnvironBuilder

    from app import create_app
    from app.devdata import harness, scale
    from app.extensions import db
    from app.models import Patient, User
    from app.services import accounts

    url = database.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY="x" * 64,
        EXTERNAL_URL="https://localhost",
        RATELIMIT_STORAGE_URI="memory://",
        TRUSTED_HOSTS=None,
    )
    with app.app_context():
        choice = harness.bench_patient()
        patient = db.session.get(Patient, choice["patient_id"])
        physio = db.session.scalar(db.select(User).where(User.login == scale.physio_login(1)))
        accounts.start_session(patient.user)
        accounts.start_session(physio)
        sessions = {"patient": patient.user.get_id(), "physio": physio.get_id()}
        db.session.commit()
        db.session.remove()

    # A session cookie as the browser holds it after logging in: the login session, Flask-Login's
    # identifier of this agent and address (else every request marks it not fresh and re-sends
    # the cookie, which a phone keeping its agent never sees) and a CSRF secret.
    def cookie(who: str) -> tuple[str, str]:
        with app.test_request_context(base_url="https://localhost", headers=AGENT):
            from flask import session
            from flask_wtf.csrf import generate_csrf

            session["_user_id"] = sessions[who]
            session["_fresh"] = True
            session["_id"] = app.login_manager._session_identifier_generator()
            token = generate_csrf()
            value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
        return f"session={value}", token

    who = "physio" if target in STAFF else "patient"
    session_cookie, token = cookie(who)
    tick = 0
    # The year of chart data as bench/run.py asks for it: the bench patient's today and 364 before.
    today = datetime.fromisoformat(choice["today"]).date()
    year = f"from={today - timedelta(days=364)}&to={today}"

    def environ() -> dict[str, Any]:
        nonlocal tick
        # As make bench sends them: /healthz without a cookie, the rest signed in.
        headers = {"Host": "localhost", **AGENT}
        if target != "healthz":
            headers["Cookie"] = session_cookie
        path = {
            "healthz": "/healthz",
            "signed_in": "/account/password",
            "today": "/today",
            "today_api": "/api/v1/today",
            "dashboard": "/dashboard",
            "charts": f"/progress/charts.json?{year}",
            "charts_staff": f"/patients/{choice['patient_id']}/charts.json?{year}",
        }.get(target)
        if path is not None:
            return EnvironBuilder(
                path=path, headers=headers, base_url="https://localhost"
            ).get_environ()
        tick += 1
        kind = "untick" if target == "sync_first" and tick % 2 == 0 else "tick"
        event = {
            "id": str(uuid.uuid4()), "type": kind, "local_date": choice["today"],
            "client_time": datetime.now(UTC).isoformat(timespec="seconds"),
            "line_id": choice["line_id"], "session": choice["session"], "side": choice["side"],
        }  # fmt: skip
        return EnvironBuilder(
            path="/api/v1/sync",
            method="POST",
            headers={**headers, "X-CSRFToken": token, "Referer": "https://localhost/today"},
            json={"events": [event]},
            base_url="https://localhost",
        ).get_environ()

    statuses: list[str] = []

    def start_response(status: str, _headers: list[Any], _exc: Any = None) -> None:
        statuses.append(status)

    def send(times: int) -> None:
        for _ in range(times):
            body = app.wsgi_app(environ(), start_response)
            for _chunk in body:
                pass
            body.close()  # deferred work (the suggestion refresh) runs here, as under gunicorn

    send(WARM_UP)  # first requests fill caches (compiled statements, templates, versions)
    # callgrind counts only inside sys.call_tracing (--toggle-collect): the measured requests.
    sys.call_tracing(send, (count,))
    bad = [s for s in statuses if not s.startswith(("200", "302"))]
    assert not bad, f"{target}: {bad[:3]}"


if __name__ == "__main__":
    raise SystemExit(main())
