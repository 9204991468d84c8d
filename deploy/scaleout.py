"""Two Stride app servers behind Debian's nginx, sharing PostgreSQL and Redis, really run.

Starts, in a temporary directory of its own:
  - a self-signed TLS certificate for 127.0.0.1 (openssl);
  - two gunicorn servers (production config, 2 workers each, PROXY_COUNT=1) on loopback;
  - nginx (/usr/sbin/nginx, its own prefix and config, workers unprivileged: as `nobody` when
    started by root) with TLS, HTTP/2 and gzip on three ports: one balancing over both
    servers (as deploy/nginx-stride.conf does), and one in front of each server alone, so a
    check can choose which server answers (the X-Stride-Upstream header says who did);
then runs the checks below and stops everything.

    .venv/bin/python deploy/scaleout.py                       # a scratch database, then checks
    .venv/bin/python deploy/scaleout.py --keep                # leave it running (Ctrl+C stops)

Needs PostgreSQL (PGHOST/PGPORT/PGUSER, default postgres@127.0.0.1:5432; it creates and drops
the database stride_scaleout, or --database), Redis (--redis, default redis://127.0.0.1:6379/11:
that Redis database is emptied) and nginx and openssl. tests/hosting/test_scaleout.py runs the
same checks under `make test`.
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NGINX = os.environ.get("STRIDE_NGINX", "/usr/sbin/nginx")
PASSWORD = "scale-out-password"
PHYSIO = "physio@scaleout.example"
ADMIN = "admin@scaleout.example"
PATIENT = "patient@scaleout.example"
WORKERS_PER_SERVER = 2
LOGIN_LIMIT = 10  # config.Config.LOGIN_RATE_LIMIT: "10 per minute"


def missing_tools() -> str | None:
    """Why the stack cannot run here (nginx or openssl missing), or None."""
    if not (os.path.isfile(NGINX) and os.access(NGINX, os.X_OK)):
        return f"nginx not found at {NGINX} (apt-get install nginx)"
    if shutil.which("openssl") is None:
        return "openssl not found (apt-get install openssl)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- nginx's configuration --------------------------------------------------------------------

PROXY = """
        proxy_pass http://{upstream};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        add_header X-Stride-Upstream $upstream_addr always;
"""


def nginx_conf(prefix: Path, cert: Path, key: Path, ports: dict[str, int], apps: list[int]) -> str:
    """A complete nginx.conf: TLS, HTTP/2 and gzip in front of the app servers.

    The proxy settings are deploy/nginx-stride.conf's; a test checks they stay the same.
    """
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / 'tmp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    upstreams = {"stride": apps, "stride_a": apps[:1], "stride_b": apps[1:]}
    upstream_blocks = "\n".join(
        f"    upstream {name} {{\n"
        + "".join(f"        server 127.0.0.1:{port};\n" for port in members)
        + "        keepalive 8;\n    }"
        for name, members in upstreams.items()
    )
    servers = "\n".join(
        f"""    server {{
        listen 127.0.0.1:{ports[name]} ssl http2;
        location / {{{PROXY.format(upstream=name)}        }}
    }}"""
        for name in upstreams
    )
    return f"""# Written by deploy/scaleout.py; the production example is deploy/nginx-stride.conf.
worker_processes 2;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log {prefix / "access.log"};
{temp}
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    gzip on;
    gzip_proxied any;
    gzip_vary on;
    gzip_min_length 1024;
    gzip_types text/css application/javascript application/json image/svg+xml;
    client_max_body_size 1m;
{upstream_blocks}
{servers}
}}
"""


# --- The stack ----------------------------------------------------------------------------------


@dataclass
class Stack:
    """Everything started: where to reach it, and the processes to stop."""

    database_url: str
    redis_url: str
    workdir: Path
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    ports: dict[str, int] = field(default_factory=dict)
    app_ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    nginx_prefix: Path | None = None

    @property
    def cert(self) -> Path:
        return self.workdir / "cert.pem"

    def url(self, which: str = "stride") -> str:
        """https://127.0.0.1:<port> of nginx: "stride" balances, "stride_a"/"stride_b" pin."""
        return f"https://127.0.0.1:{self.ports[which]}"

    def start(self) -> "Stack":
        try:
            self._make_certificate()
            self.app_ports = [free_port(), free_port()]
            # nginx's ports first: the app servers' EXTERNAL_URL names the balanced one.
            self.ports = {name: free_port() for name in ("stride", "stride_a", "stride_b")}
            servers = [self._start_gunicorn(port) for port in self.app_ports]
            seed(self.database_url)  # while the servers boot: they are ready once it is done
            self.reset_rate_limits()
            for port, process in zip(self.app_ports, servers, strict=True):
                wait_until_ready(f"http://127.0.0.1:{port}/readyz", process, self.workdir)
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM if process.args[0] != NGINX else signal.SIGQUIT)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.processes.clear()
        if self.nginx_prefix is not None:
            shutil.copy(self.nginx_prefix / "error.log", self.workdir / "nginx-error.log")
            shutil.rmtree(self.nginx_prefix, ignore_errors=True)
            self.nginx_prefix = None

    def reset_rate_limits(self) -> None:
        """Empty the Redis database the servers keep their rate-limit counters in."""
        import redis

        client = redis.Redis.from_url(self.redis_url)
        client.flushdb()
        client.close()

    def _make_certificate(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(self.workdir / "key.pem"), "-out", str(self.cert)],
            check=True, capture_output=True,
        )  # fmt: skip

    def _start_gunicorn(self, port: int) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "STRIDE_CONFIG": "production",
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "PROXY_COUNT": "1",
            # Invite links start with the address people use: nginx's balanced port.
            "EXTERNAL_URL": self.url("stride"),
        }
        with (self.workdir / f"gunicorn-{port}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS_PER_SERVER),
                 "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.processes.append(process)
        return process

    def _start_nginx(self) -> None:
        # A prefix of its own under /tmp (the workdir's parents may be closed to nobody).
        prefix = Path(tempfile.mkdtemp(prefix="stride-nginx-"))
        self.nginx_prefix = prefix
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / "tmp" / kind).mkdir(parents=True, exist_ok=True)
        cert, key = prefix / "cert.pem", prefix / "key.pem"
        shutil.copy(self.cert, cert)
        shutil.copy(self.workdir / "key.pem", key)
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_conf(prefix, cert, key, self.ports, self.app_ports))
        command = [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf),
                   "-g", "daemon off;"]  # fmt: skip
        if os.geteuid() == 0:
            # Never run the proxy as root: hand its files to nobody and start it as nobody.
            for path in [prefix, *prefix.rglob("*")]:
                os.chown(path, 65534, 65534)
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        with (self.workdir / "nginx.out").open("ab") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        for name in self.ports:
            wait_until_ready(self.url(name) + "/readyz", process, prefix, verify=self.cert)


def wait_until_ready(url: str, process: subprocess.Popen[bytes], logs: Path, **kw: object) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            outputs = sorted(logs.glob("*.log")) + sorted(logs.glob("*.out"))
            tail = " | ".join(p.read_text()[-300:].strip() for p in outputs if p.is_file())
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}: {tail}")
        try:
            if requests.get(url, timeout=5, **kw).status_code == 200:  # type: ignore[arg-type]
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready; see the logs in {logs}")


def seed(database_url: str) -> None:
    """Migrate, load the library, and make a clinic: admin, physio, a patient with a plan."""
    from flask_migrate import upgrade

    from app import create_app
    from app.domain.localtime import local_today
    from app.extensions import db
    from app.library.cli import library_dir
    from app.models import ProgrammeTemplate, Role
    from app.services import accounts, library, programmes

    # The seeding app counts no logins; memory:// keeps it from repointing the one shared
    # limiter object at this scratch database (a test process's own app uses it after).
    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=database_url,
        DEBUG=False,
        PASSWORD_HASH_FAST=True,
        RATELIMIT_STORAGE_URI="memory://",
    )
    with app.app_context():
        upgrade()
        library.sync_library(library_dir())
        admin = accounts.create_clinic("Scale-out clinic", "Scale Admin", ADMIN)
        physio, _ = accounts.create_staff(admin, "Scale Physio", PHYSIO, Role.PHYSIO)
        patient, _ = accounts.create_patient(
            physio,
            accounts.NewPatient(
                name="Scale Patient",
                email=PATIENT,
                date_of_birth=datetime(1980, 1, 1).date(),
                timezone="Europe/London",
                condition="gluteal-tendinopathy",
                affected_side="right",
                goal="",
                usual_pain=2,
            ),
        )
        for user in (admin, physio, patient.user):
            accounts.set_password(user, PASSWORD)
        template = db.session.scalar(
            sa.select(ProgrammeTemplate).where(ProgrammeTemplate.slug == "gluteal-tendinopathy")
        )
        programmes.assign_programme(physio, patient, template, local_today(patient.timezone))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


# --- A browser or a phone -----------------------------------------------------------------------


class Client:
    """One browser or phone: its own cookies, talking to whichever nginx port it is given."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = requests.Session()
        self.http.trust_env = False  # REQUESTS_CA_BUNDLE would override verify= below
        self.http.verify = str(stack.cert)
        self.csrf = ""

    def get(self, which: str, path: str, **kw: object) -> requests.Response:
        response = self.http.get(self.stack.url(which) + path, timeout=20, **kw)  # type: ignore[arg-type]
        found = re.search(r'name="csrf-token" content="([^"]+)"', response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, which: str, path: str, data: dict[str, str] | None = None) -> requests.Response:
        form = {"csrf_token": self.csrf, **(data or {})}
        # Over HTTPS Flask-WTF also wants a same-site Referer, as a browser sends.
        headers = {"Referer": self.stack.url(which) + "/"}
        return self.http.post(
            self.stack.url(which) + path,
            data=form,
            headers=headers,
            timeout=20,
            allow_redirects=False,
        )

    def post_json(self, which: str, path: str, body: object) -> requests.Response:
        headers = {"X-CSRFToken": self.csrf, "Referer": self.stack.url(which) + "/today"}
        return self.http.post(self.stack.url(which) + path, json=body, headers=headers, timeout=20)

    def log_in(self, which: str, login: str, password: str = PASSWORD) -> requests.Response:
        self.get(which, "/login")
        return self.post(which, "/login", {"login": login, "password": password})


def served_by(response: requests.Response) -> str:
    return response.headers.get("X-Stride-Upstream", "")


# --- The checks ---------------------------------------------------------------------------------


def check_tls_http2_and_gzip(stack: Stack) -> str:
    """nginx answers over TLS with HTTP/2 and gzips pages; each pinned port has its server."""
    version = subprocess.run(
        ["curl", "-s", "--http2", "--cacert", str(stack.cert), "-o", "/dev/null",
         "-w", "%{http_version}", stack.url() + "/login"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert version == "2", f"expected HTTP/2 from nginx, got {version!r}"
    page = requests.get(
        stack.url() + "/login", verify=str(stack.cert), headers={"Accept-Encoding": "gzip"}
    )
    assert page.status_code == 200 and page.headers.get("Content-Encoding") == "gzip", page.headers
    a = served_by(requests.get(stack.url("stride_a") + "/healthz", verify=str(stack.cert)))
    b = served_by(requests.get(stack.url("stride_b") + "/healthz", verify=str(stack.cert)))
    assert a.endswith(f":{stack.app_ports[0]}") and b.endswith(f":{stack.app_ports[1]}"), (a, b)
    return f"HTTP/{version} over TLS, gzip; server A {a}, server B {b}"


def check_login_on_one_server_works_on_the_other(stack: Stack) -> str:
    browser = Client(stack)
    assert browser.log_in("stride_a", PHYSIO).status_code == 302
    dashboard = browser.get("stride_b", "/dashboard", allow_redirects=False)
    assert dashboard.status_code == 200, dashboard.status_code
    assert served_by(dashboard).endswith(f":{stack.app_ports[1]}")
    return "logged in through A, served the dashboard by B"


def check_logout_on_one_server_ends_the_login_on_both(stack: Stack) -> str:
    browser = Client(stack)
    assert browser.log_in("stride_b", PHYSIO).status_code == 302
    saved = browser.http.cookies.copy()  # a copy of the cookie, as a thief would keep
    assert browser.get("stride_a", "/dashboard", allow_redirects=False).status_code == 200
    assert browser.post("stride_a", "/logout").status_code == 302  # logged out through A
    thief = Client(stack)
    thief.http.cookies = saved
    for which in ("stride_a", "stride_b"):
        answer = thief.get(which, "/dashboard", allow_redirects=False)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], which
    return "logged out through A; the same cookie is refused by A and by B"


def check_login_rate_limit_counts_across_servers(stack: Stack) -> str:
    stack.reset_rate_limits()
    try:
        attacker = Client(stack)
        target = f"victim-{uuid.uuid4().hex[:8]}@scaleout.example"
        answers = []
        for attempt in range(LOGIN_LIMIT):
            which = ("stride_a", "stride_b")[attempt % 2]  # half on each server
            answers.append(attacker.log_in(which, target, "wrong-password").status_code)
        assert answers == [200] * LOGIN_LIMIT, answers  # each server saw only 5
        refused = [
            attacker.log_in(which, target, "wrong").status_code
            for which in ("stride_a", "stride_b")
        ]
        assert refused == [429, 429], refused
    finally:
        stack.reset_rate_limits()
    return f"{LOGIN_LIMIT} failed logins, alternating A and B, then both answer 429"


def _tick_unit(phone: Client, which: str) -> tuple[str, dict[str, object]]:
    today = phone.get(which, "/today")  # a page, for the CSRF token
    assert today.status_code == 200
    day = phone.get(which, "/api/v1/today").json()
    item = day["items"][0]
    unit = item["units"][0]
    return day["date"], {
        "line_id": item["line_id"],
        "session": unit["session"],
        "side": unit["side"],
    }


def _event(kind: str, day: str, unit: dict[str, object], at: datetime) -> dict[str, object]:
    return {"id": str(uuid.uuid4()), "type": kind, "local_date": day, **unit,
            "client_time": at.isoformat(timespec="microseconds")}  # fmt: skip


def _status(phone: Client, which: str, event: dict[str, object]) -> str:
    answer = phone.post_json(which, "/api/v1/sync", {"events": [event]})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["results"][0]["status"])


def _done(phone: Client, which: str, unit: dict[str, object]) -> bool:
    day = phone.get(which, "/api/v1/today").json()
    for item in day["items"]:
        for found in item["units"]:
            if (
                item["line_id"] == unit["line_id"]
                and found["session"] == unit["session"]
                and found["side"] == unit["side"]
            ):
                return bool(found["done"])
    raise AssertionError(f"unit {unit} is not on today's list")


def check_two_phones_through_two_servers_end_with_the_newer_change(stack: Stack) -> str:
    phone_1, phone_2 = Client(stack), Client(stack)
    assert phone_1.log_in("stride_a", PATIENT).status_code == 302
    assert phone_2.log_in("stride_b", PATIENT).status_code == 302
    day, unit = _tick_unit(phone_1, "stride_a")
    _tick_unit(phone_2, "stride_b")
    now = datetime.now(UTC)
    # Phone 2 ticked at 10:00, phone 1 unticked at 10:01: the untick is the newer change.
    # Phone 1 syncs first through A, phone 2 (offline until now) after it through B.
    untick = _event("untick", day, unit, now - timedelta(minutes=1))
    tick = _event("tick", day, unit, now - timedelta(minutes=2))
    first = _status(phone_1, "stride_a", untick)
    second = _status(phone_2, "stride_b", tick)
    assert second == "superseded", (first, second)
    assert not _done(phone_1, "stride_a", unit) and not _done(phone_2, "stride_b", unit)
    newest = _event("tick", day, unit, now)  # a later tick through B wins on both
    assert _status(phone_2, "stride_b", newest) == "applied"
    assert _done(phone_1, "stride_a", unit) and _done(phone_2, "stride_b", unit)
    return f"older tick through B {second} by the newer untick through A; then a newer tick won"


def check_invite_links_use_the_external_scheme_and_host(stack: Stack) -> str:
    admin = Client(stack)
    assert admin.log_in("stride", ADMIN).status_code == 302
    staff = admin.get("stride", "/admin/staff")
    physio_id = re.search(r'action="/admin/staff/(\d+)/invite"', staff.text).group(1)  # type: ignore[union-attr]
    page = admin.post("stride", f"/admin/staff/{physio_id}/invite")
    link = re.search(r'value="(https?://[^"]+/invite/[^"]+)"', page.text)
    assert link and link.group(1).startswith(stack.url() + "/invite/"), page.text[:500]
    return f"invite link {link.group(1)[:40]}..."


CHECKS: list[Callable[[Stack], str]] = [
    check_tls_http2_and_gzip,
    check_login_on_one_server_works_on_the_other,
    check_logout_on_one_server_ends_the_login_on_both,
    check_login_rate_limit_counts_across_servers,
    check_two_phones_through_two_servers_end_with_the_newer_change,
    check_invite_links_use_the_external_scheme_and_host,
]


# --- The command --------------------------------------------------------------------------------


def pg_server_url(database: str) -> str:
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    return f"postgresql+psycopg://{user}@{host}:{port}/{database}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="stride_scaleout", help="created and dropped")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="emptied")
    parser.add_argument("--keep", action="store_true", help="keep running after the checks")
    args = parser.parse_args()
    problem = missing_tools()
    if problem:
        print(f"scale-out: cannot run: {problem}", file=sys.stderr)
        return 2
    admin = sa.create_engine(pg_server_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{args.database}"'))
    failures = 0
    with tempfile.TemporaryDirectory(prefix="stride-scaleout-") as workdir:
        stack = Stack(pg_server_url(args.database), args.redis, Path(workdir)).start()
        try:
            print(f"nginx {stack.url()} -> gunicorn 127.0.0.1:{stack.app_ports}", flush=True)
            for check in CHECKS:
                try:
                    print(f"ok    {check.__name__}: {check(stack)}", flush=True)
                except AssertionError as error:
                    failures += 1
                    print(f"FAIL  {check.__name__}: {error}", flush=True)
            if args.keep:
                print(f"Running; logins {ADMIN}, {PHYSIO}, {PATIENT} / {PASSWORD}. Ctrl+C stops.")
                signal.pause()
        except KeyboardInterrupt:
            pass
        finally:
            stack.stop()
            with admin.connect() as connection:
                connection.execute(
                    sa.text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
                )
            admin.dispose()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
