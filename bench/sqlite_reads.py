"""SQLite, the embedded default, under load: p50 and p99 of the day page and the day API.

Seeds a SQLite file with scale data (or reuses it), serves Stride from it under gunicorn
(`-w 2 --threads 4`, the development settings: production refuses SQLite), signs one patient
in and drives each target with wrk, 8 connections; the goal is p99 within 5x of p50 (reads
used to take the write lock, so the workers took turns). Then the sync target runs alone
and the log is searched for "database is locked".

    .venv/bin/python bench/sqlite_reads.py [--patients 200 --days 90] [--reuse]
    .venv/bin/python bench/sqlite_reads.py --app-dir /some/other/checkout   # side by side
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from run import BIN, _free_port, _target, login, run_wrk  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--database", default=str(ROOT / "instance" / "bench-sqlite.db"))
    parser.add_argument("--app-dir", default=str(ROOT), help="the checkout gunicorn serves")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded file")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is missing (apt-get install wrk).", file=sys.stderr)
        return 2
    url = f"sqlite:///{args.database}"
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi.py",
           "STRIDE_CONFIG": "development", "SECRET_KEY": secrets.token_hex(32)}  # fmt: skip
    if not (args.reuse and Path(args.database).exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.database}{suffix}").unlink(missing_ok=True)
        Path(args.database).parent.mkdir(parents=True, exist_ok=True)
        size = ["--patients", str(args.patients), "--days", str(args.days)]
        for command in (["db", "upgrade"], ["library", "sync"], ["seed-scale", *size]):
            subprocess.run(
                [str(BIN / "flask"), *command], cwd=ROOT, env=env, check=True, capture_output=True
            )
        import sqlite3

        with sqlite3.connect(args.database) as connection:  # as bench/run.py did: WAL
            connection.execute("PRAGMA journal_mode=WAL")
    from app import create_app
    from app.devdata import harness, scale

    app = create_app("development", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        choice = harness.bench_patient()
    port = _free_port()
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "wsgi:app"],
            cwd=args.app_dir, env={**env, "FLASK_DEBUG": "0"}, stdout=log, stderr=log,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base)
            cookie, csrf = login(base, choice["login"], scale.SCALE_PASSWORD)
            sync_env = {
                "BENCH_SYNC": "1", "BENCH_CSRF": csrf, "BENCH_DATE": choice["today"],
                "BENCH_LINE_ID": str(choice["line_id"]), "BENCH_SIDE": choice["side"],
                "BENCH_SESSION": str(choice["session"]), "BENCH_ALTERNATE": "1",
            }  # fmt: skip
            year = datetime.fromisoformat(choice["today"]).date()
            print(
                f"SQLite {args.database}, {args.patients} x {args.days}, gunicorn -w 2 "
                f"--threads 4, wrk -c{args.connections} -d{args.duration}s, {args.app_dir}"
            )
            print("| Target | req/s | p50 ms | p99 ms | p99 / p50 | non-2xx |")
            print("|---|---:|---:|---:|---:|---:|")
            for target in (
                _target("today", "today page", base, "/today", cookie),
                _target("today_api", "GET /api/v1/today", base, "/api/v1/today", cookie),
                _target(
                    "charts",
                    "chart data, one year",
                    base,
                    f"/progress/charts.json?from={year - timedelta(days=364)}&to={year}",
                    cookie,
                ),  # fmt: skip
                _target(
                    "sync",
                    "POST /api/v1/sync, tick and untick",
                    base,
                    "/api/v1/sync",
                    cookie,
                    method="POST",
                    env=sync_env,
                ),  # fmt: skip
            ):
                run_wrk(wrk, target, args, warmup=True)
                r = run_wrk(wrk, target, args, warmup=False)
                print(f"| {target['label']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | "
                      f"{r['p99_ms']:.2f} | {r['p99_ms'] / r['p50_ms']:.1f}x | "
                      f"{r['non_2xx'] + r['socket_errors']} |", flush=True)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=20)
        log.seek(0)
        locked = log.read().count("database is locked")
    print(f'"database is locked" in the server log: {locked}')
    return 0


def _wait(base: str) -> None:
    for _ in range(300):
        try:
            requests.get(base + "/healthz", timeout=10)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


if __name__ == "__main__":
    raise SystemExit(main())
