"""Time the chart data and the dashboard against the today page in process (Flask test client).

A quick check between `make bench` runs: seeds a private SQLite file with scale data (or uses
an already seeded database), signs in one patient and physio 1, and reports each endpoint's
median and p95 and its ratio to today's from the same run; --profile prints a pyinstrument
profile of one endpoint.

    .venv/bin/python bench/inprocess.py [--patients 5] [--days 365] [--iterations 200]
    .venv/bin/python bench/inprocess.py --profile dashboard \
        --database postgresql://postgres@127.0.0.1:5432/stride_bench_run
"""

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = ("today", "charts", "charts_staff", "dashboard")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument(
        "--database", help="an already seeded database URL (e.g. the harness's), not a new file"
    )
    parser.add_argument("--profile", choices=TARGETS, help="profile this endpoint (pyinstrument)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.devdata import harness, scale
    from app.extensions import db
    from app.library.cli import sync_and_report
    from app.models import Patient, User
    from app.services import accounts

    with ExitStack() as stack:
        if args.database:
            url = args.database.replace("postgresql://", "postgresql+psycopg://", 1)
        else:
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            url = f"sqlite:///{folder}/inprocess.db"
        app = create_app("development", SQLALCHEMY_DATABASE_URI=url, DEBUG=False)
        with app.app_context():
            if not args.database:
                upgrade()
                sync_and_report()
                scale.seed_scale(args.patients, args.days)
                db.session.commit()
            choice = harness.bench_patient()
            patient = db.session.get(Patient, choice["patient_id"])
            physio = db.session.scalar(db.select(User).where(User.login == scale.physio_login(1)))
            accounts.start_session(patient.user)
            accounts.start_session(physio)
            patient_session, physio_session = patient.user.get_id(), physio.get_id()
            db.session.commit()
            db.session.remove()

        today = date.fromisoformat(choice["today"])
        year = f"from={today - timedelta(days=364)}&to={today}"
        targets = {
            "today": (patient_session, "/today"),
            "charts": (patient_session, f"/progress/charts.json?{year}"),
            "charts_staff": (
                physio_session,
                f"/patients/{choice['patient_id']}/charts.json?{year}",
            ),
            "dashboard": (physio_session, "/dashboard"),
        }
        timings = {}
        for name, (session_id, path) in targets.items():
            if args.profile and name not in {args.profile, "today"}:
                continue
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
            for _ in range(10):  # warm up
                assert client.get(path).status_code == 200, path
            if name == args.profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                with profiler:
                    for _ in range(args.iterations):
                        client.get(path)
                print(profiler.output_text(color=False, unicode=False))
            seconds = []
            for _ in range(args.iterations):
                started = time.perf_counter()
                client.get(path)
                seconds.append(time.perf_counter() - started)
            timings[name] = seconds

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    size = args.database or f"{args.patients} patients x {args.days} days"
    print(f"{size}; dashboard: {choice['caseload']} patients; {args.iterations} requests each")
    for name, seconds in timings.items():
        print(
            f"{name:13} median {statistics.median(seconds) * 1000:7.2f} ms"
            f"  p95 {p95(seconds) * 1000:7.2f} ms"
        )
    today_median, today_p95 = statistics.median(timings["today"]), p95(timings["today"])
    for name in [name for name in timings if name != "today"]:
        median_ratio = statistics.median(timings[name]) / today_median
        print(
            f"{name} / today: median {median_ratio:.2f}x  p95 {p95(timings[name]) / today_p95:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
