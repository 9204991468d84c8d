"""Time the chart data against the today page in process (Flask test client, no server).

A quick check between `make bench` runs: seeds a private SQLite file with scale data, signs in
one patient and their physio, and reports each endpoint's median and p95 and the chart/today
ratios from the same run.

    .venv/bin/python bench/inprocess.py [--patients 5] [--days 365] [--iterations 200]
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.library.cli import sync_and_report
    from app.models import Patient, User
    from app.services import scale

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/inprocess.db"
        app = create_app("development", SQLALCHEMY_DATABASE_URI=url, DEBUG=False)
        with app.app_context():
            upgrade()
            sync_and_report()
            scale.seed_scale(args.patients, args.days)
            db.session.commit()
            choice = scale.bench_patient()
            patient = db.session.get(Patient, choice["patient_id"])
            physio = db.session.scalar(db.select(User).where(User.login == scale.physio_login(1)))
            patient_session, physio_session = patient.user.get_id(), physio.get_id()
            db.session.remove()

        today = date.fromisoformat(choice["today"])
        year = f"from={today - timedelta(days=364)}&to={today}"
        targets = [
            ("today", patient_session, "/today"),
            ("charts", patient_session, f"/progress/charts.json?{year}"),
            (
                "charts_staff",
                physio_session,
                f"/patients/{choice['patient_id']}/charts.json?{year}",
            ),
        ]
        timings = {}
        for name, session_id, path in targets:
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
            for _ in range(10):  # warm up
                assert client.get(path).status_code == 200, path
            seconds = []
            for _ in range(args.iterations):
                started = time.perf_counter()
                client.get(path)
                seconds.append(time.perf_counter() - started)
            timings[name] = seconds

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    print(f"{args.patients} patients x {args.days} days, {args.iterations} requests each")
    for name, seconds in timings.items():
        print(
            f"{name:13} median {statistics.median(seconds) * 1000:7.2f} ms"
            f"  p95 {p95(seconds) * 1000:7.2f} ms"
        )
    today_median, today_p95 = statistics.median(timings["today"]), p95(timings["today"])
    for name in ("charts", "charts_staff"):
        median_ratio = statistics.median(timings[name]) / today_median
        print(
            f"{name} / today: median {median_ratio:.2f}x  p95 {p95(timings[name]) / today_p95:.2f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
