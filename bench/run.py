"""The benchmark harness: seed a dedicated database, serve Stride and a hello-world Flask app
with the same gunicorn settings, drive each endpoint with wrk, and write bench/results.json
and bench/results.md (every figure also as a ratio to hello-world from the same run).

    make bench                                   # SQLite file instance/bench.db
    BENCH_DATABASE_URL=postgresql://... make bench
    .venv/bin/python bench/run.py --help         # sizes, duration, connections, --reuse
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=int(os.environ.get("BENCH_PATIENTS", 2000)))
    parser.add_argument("--days", type=int, default=int(os.environ.get("BENCH_DAYS", 365)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)))
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (all targets)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep an already seeded bench database"
    )
    parser.add_argument("--only", nargs="*", help="run only these targets")
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is missing: `make bench` installs it (apt-get install wrk).", file=sys.stderr)
        return 2
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{ROOT / 'instance' / 'bench.db'}"
    if url.startswith("sqlite"):
        # The servers run the production config, which refuses SQLite (config.py).
        print("bench: production refuses SQLite; set BENCH_DATABASE_URL=postgresql://...",
              file=sys.stderr)  # fmt: skip
        return 2
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": _redact(url),
        "patients": args.patients,
        "days": args.days,
        "gunicorn": f"{args.workers} sync workers",
        "wrk": f"-t{args.threads} -c{args.connections} -d{args.duration}s",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "commit": _git_commit(),
    }
    meta.update(prepare_database(url, args.patients, args.days, args.reuse))
    plans = explain_plans(url)

    with Servers(url, args.workers) as servers:
        targets = build_targets(servers, url)
        results = []
        for target in targets:
            if args.only and target["name"] not in args.only:
                continue
            print(f"-- {target['name']}: {target['method']} {target['path']}", flush=True)
            run_wrk(wrk, target, args, warmup=True)
            figures = run_wrk(wrk, target, args, warmup=False)
            results.append(
                {**{k: target[k] for k in ("name", "label", "method", "path")}, **figures}
            )
            print(f"   {figures['rps']:.0f} req/s, p95 {figures['p95_ms']:.2f} ms", flush=True)

    add_ratios(results)
    report = {"meta": meta, "results": results, "goals": goals(results), "plans": plans}
    (BENCH / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    (BENCH / "results.md").write_text(markdown(report))
    print((BENCH / "results.md").read_text())
    return 0


# --- Database --------------------------------------------------------------------------------


def _env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi.py", **extra}


def _flask(url: str, *arguments: str) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), *arguments],
        cwd=ROOT,
        env=_env(url, STRIDE_CONFIG="development"),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"flask {' '.join(arguments)} failed")
    return done.stdout


def prepare_database(url: str, patients: int, days: int, reuse: bool) -> dict:
    """Create (or keep) the bench database, migrate, sync the library and seed scale data."""
    if reuse and _seeded(url):
        print("Reusing the seeded bench database (migrating it to the code's schema).", flush=True)
        _flask(url, "db", "upgrade")
        return {"seed_seconds": None}
    print(f"Resetting the bench database {_redact(url)}", flush=True)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        import sqlalchemy as sa

        engine = sa.create_engine(_driver_url(url))
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    _flask(url, "db", "upgrade")
    _flask(url, "library", "sync")
    print(f"Seeding {patients} patients x {days} days...", flush=True)
    started = time.perf_counter()
    output = _flask(url, "seed-scale", "--patients", str(patients), "--days", str(days))
    seconds = time.perf_counter() - started
    print(output.strip().splitlines()[-2], flush=True)
    if url.startswith("sqlite:///"):
        # Several gunicorn workers read while one writes: SQLite's write-ahead log lets them.
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    return {"seed_seconds": round(seconds, 1), "seed_output": output.strip().splitlines()[-2]}


def _seeded(url: str) -> bool:
    import sqlalchemy as sa

    engine = sa.create_engine(_driver_url(url))
    try:
        with engine.connect() as connection:
            found = connection.execute(
                sa.text("SELECT 1 FROM users WHERE login = 'physio1@scale.example'")
            ).first()
            return found is not None
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _driver_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def explain_plans(url: str) -> dict:
    """EXPLAIN the hot queries on PostgreSQL and say which index each one uses."""
    if url.startswith("sqlite"):
        return {"skipped": "EXPLAIN plans are checked on PostgreSQL only"}
    from app import create_app
    from app.devdata import harness

    app = create_app("development", SQLALCHEMY_DATABASE_URI=_driver_url(url))
    with app.app_context():
        return harness.explain_hot_queries()


# --- Servers and sessions --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """Stride with its worker, and hello-world, under gunicorn with the same settings (loopback)."""

    def __init__(self, url: str, workers: int) -> None:
        self.url = url
        self.workers = workers
        self.processes: list[subprocess.Popen] = []
        self.app_base = self.hello_base = ""

    def _start(self, app: str, cwd: Path, env: dict[str, str]) -> str:
        port = _free_port()
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app],
            cwd=cwd, env=env,
        )  # fmt: skip
        self.processes.append(process)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                requests.get(base + "/", timeout=10, allow_redirects=False)
                return base
            except requests.RequestException:
                time.sleep(0.1)
        raise SystemExit(f"gunicorn did not start: {app}")

    def __enter__(self) -> "Servers":
        secret = secrets.token_hex(32)
        # Production refuses several workers without Redis (config.check_production_settings).
        redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
        env = _env(
            self.url,
            STRIDE_CONFIG="production",
            SECRET_KEY=secret,
            REDIS_URL=redis_url,
            EXTERNAL_URL="http://127.0.0.1",
        )
        try:
            self.app_base = self._start("wsgi:app", ROOT, env)
            # Its worker too, as production runs it: the sync queues the suggestion refresh
            # and the worker runs it (every WORKER_POLL_SECONDS), on the same two CPUs.
            self.processes.append(
                subprocess.Popen(
                    [str(BIN / "flask"), "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            self.hello_base = self._start("hello:app", BENCH, dict(os.environ))
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# One User-Agent from logging in to the last wrk request, as a phone keeps its own: Flask-Login's
# session protection marks a session not fresh (and re-sends the cookie) when the agent changes,
# which no phone does on every request. wrk.lua sends the same header.
USER_AGENT = "stride-bench"


def login(base: str, login_name: str, password: str) -> tuple[str, str]:
    """Log in through the real form; return the Cookie header and a CSRF token for the API."""
    # Production cookies are Secure, which requests will not send over http: send them by hand.
    agent = {"User-Agent": USER_AGENT}
    page = requests.get(base + "/login", headers=agent)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text) or re.search(
        r'name="csrf_token" value="([^"]+)"', page.text
    )
    assert token, "no CSRF token on the login page"
    answer = requests.post(
        base + "/login",
        data={"login": login_name, "password": password, "csrf_token": token.group(1)},
        headers={"Cookie": f"session={page.cookies['session']}", **agent},
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise SystemExit(f"logging in as {login_name} failed ({answer.status_code})")
    cookie = f"session={answer.cookies['session']}"
    home = requests.get(base + "/", headers={"Cookie": cookie, **agent}, allow_redirects=False)
    page = requests.get(base + home.headers["Location"], headers={"Cookie": cookie, **agent})
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert meta, "no CSRF meta tag after logging in"
    # Making the page's CSRF token may have stored a new secret in the session cookie.
    if "session" in page.cookies:
        cookie = f"session={page.cookies['session']}"
    return cookie, meta.group(1)


def build_targets(servers: Servers, url: str) -> list[dict]:
    """Sign in the busy physio and one of their patients; list what to measure."""
    from app import create_app
    from app.devdata import harness, scale

    app = create_app("development", SQLALCHEMY_DATABASE_URI=_driver_url(url))
    with app.app_context():
        choice = harness.bench_patient()
    physio_cookie, _ = login(servers.app_base, scale.physio_login(1), scale.SCALE_PASSWORD)
    patient_cookie, csrf = login(servers.app_base, choice["login"], scale.SCALE_PASSWORD)
    today = datetime.fromisoformat(choice["today"]).date()
    year = f"from={today - timedelta(days=364)}&to={today}"
    app_base, hello = servers.app_base, servers.hello_base
    sync_env = {
        "BENCH_SYNC": "1",
        "BENCH_CSRF": csrf,
        "BENCH_DATE": choice["today"],
        "BENCH_LINE_ID": str(choice["line_id"]),
        "BENCH_SIDE": choice["side"],
        "BENCH_SESSION": str(choice["session"]),
    }
    return [
        _target("hello", "hello-world Flask app (ceiling)", hello, "/"),
        _target("healthz", "/healthz (one SELECT 1)", app_base, "/healthz"),
        _target(
            "signed_in",
            "signed-in floor: a small form page (user load, base template)",
            app_base,
            "/account/password",
            patient_cookie,
        ),  # fmt: skip
        _target("today", "patient's today page", app_base, "/today", patient_cookie),
        _target(
            "sync",
            "POST /api/v1/sync, one tick (a further tick of today)",
            app_base,
            "/api/v1/sync",
            patient_cookie,
            method="POST",
            env=sync_env,
        ),  # fmt: skip
        _target(
            "sync_first",
            "POST /api/v1/sync, tick and untick in turn (each queues a suggestion refresh)",
            app_base,
            "/api/v1/sync",
            patient_cookie,
            method="POST",
            env={**sync_env, "BENCH_ALTERNATE": "1"},
        ),  # fmt: skip
        _target(
            "charts",
            "patient's chart data, one year (patient)",
            app_base,
            f"/progress/charts.json?{year}",
            patient_cookie,
        ),  # fmt: skip
        _target(
            "charts_staff",
            "patient's chart data, one year (physio, 4 charts)",
            app_base,
            f"/patients/{choice['patient_id']}/charts.json?{year}",
            physio_cookie,
        ),  # fmt: skip
        _target(
            "dashboard",
            f"dashboard, physio with {choice['caseload']} patients",
            app_base,
            "/dashboard",
            physio_cookie,
        ),  # fmt: skip
    ]


def _target(name, label, base, path, cookie="", method="GET", env=None):  # type: ignore[no-untyped-def]
    return {
        "name": name, "label": label, "base": base, "path": path, "method": method,
        "env": {"BENCH_COOKIE": cookie, **(env or {})},
    }  # fmt: skip


# --- wrk ---------------------------------------------------------------------------------------


def run_wrk(wrk: str, target: dict, args: argparse.Namespace, *, warmup: bool) -> dict:
    """Run wrk against one target; return throughput and latency percentiles."""
    duration = 2 if warmup else args.duration
    done = subprocess.run(
        [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s", "--timeout", "10s",
         "-s", str(BENCH / "wrk.lua"), target["base"] + target["path"]],
        env={**os.environ, **target["env"]}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH_RESULT "))
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    if not warmup and (raw["status_errors"] or errors):
        print(f"   warning: {raw['status_errors']} non-2xx/3xx and {errors} socket errors")
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "non_2xx": raw["status_errors"],
        "socket_errors": errors,
    }


# --- Report ----------------------------------------------------------------------------------


def add_ratios(results: list[dict]) -> None:
    hello = next((r for r in results if r["name"] == "hello"), None)
    for result in results:
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms"):
            result[f"{key}_x_hello"] = (
                round(result[key] / hello[key], 3) if hello and hello[key] else None
            )


def goals(results: list[dict]) -> list[dict]:
    by_name = {r["name"]: r for r in results}

    def ratio(a: str, b: str, key: str) -> float | None:
        if a in by_name and b in by_name and by_name[b][key]:
            return round(by_name[a][key] / by_name[b][key], 3)
        return None

    # Issue 19's goals: throughput as a share of hello-world, tails as a multiple of today's.
    checks = [
        ("/healthz throughput >= 50% of hello-world", ("healthz", "hello", "rps"), 0.5, ">="),
        ("Signed-in floor throughput >= 20% of hello-world", ("signed_in", "hello", "rps"), 0.2,
         ">="),
        ("Today page throughput >= 15% of hello-world", ("today", "hello", "rps"), 0.15, ">="),
        ("One-tick sync throughput >= 12% of hello-world", ("sync", "hello", "rps"), 0.12, ">="),
        ("Tick and untick throughput >= 8% of hello-world", ("sync_first", "hello", "rps"),
         0.08, ">="),
        ("Dashboard (200 patients) p95 <= 5x today's", ("dashboard", "today", "p95_ms"), 5, "<="),
        ("Chart data (patient-year) p95 <= 2x today's", ("charts", "today", "p95_ms"), 2, "<="),
    ]  # fmt: skip
    checks = [(goal, ratio(*pair), target, op) for goal, pair, target, op in checks]
    return [
        {
            "goal": goal,
            "measured": value,
            "target": target,
            "met": None if value is None else (value >= target if op == ">=" else value <= target),
        }
        for goal, value, target, op in checks
    ]


def markdown(report: dict) -> str:
    meta = report["meta"]
    lines = [
        f"Run {meta['date']} on {meta['cpus']} CPUs, {meta['database']}, "
        f"{meta['patients']} patients x {meta['days']} days "
        f"(seeded in {meta['seed_seconds']} s), gunicorn {meta['gunicorn']}, wrk {meta['wrk']}.",
        "",
        "| Target | req/s | x hello | p50 ms | x hello | p95 ms | x hello | p99 ms | x hello |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        cells = [r["label"]]
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms"):
            value = r[key]
            cells += [f"{value:,.0f}" if key == "rps" else f"{value:.2f}", _x(r[f"{key}_x_hello"])]
        if r["non_2xx"] or r["socket_errors"]:
            cells[0] += f" ({r['non_2xx']} non-2xx, {r['socket_errors']} socket errors)"
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| Goal | Measured | Target | Met |", "|---|---:|---:|---|"]
    for g in report["goals"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[g["met"]]
        lines.append(f"| {g['goal']} | {_x(g['measured'])} | {g['target']} | {met} |")
    plans = report.get("plans") or {}
    if plans and "skipped" not in plans:
        lines += ["", "| Hot query (PostgreSQL EXPLAIN) | Plan uses |", "|---|---|"]
        lines += [f"| {name} | {uses} |" for name, uses in plans.items()]
    return "\n".join(lines) + "\n"


def _x(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def _git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
