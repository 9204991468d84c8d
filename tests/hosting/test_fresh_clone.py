"""The README's Production steps, run in a fresh clone, serve a clinic whose charts load.

What it shortcuts, and why (everything else runs as written, through bash, in order):
  - `git clone <url>` clones this working tree's last commit instead (uncommitted changes are
    not in it: commit before relying on this test);
  - `python3 -m venv .venv` and `pip install -r requirements.txt` are replaced by a link to
    the venv running the tests (installing from PyPI would take minutes and need the net);
  - `. /etc/stride.env` reads a settings file written by the test: a scratch PostgreSQL
    database (<test database>_fresh), a random SECRET_KEY, Redis database 12;
  - npm runs with npm_config_offline=true: from its cache, or build_assets.py falls back to
    the bundle in the plotly package, as it does on a server without npm;
  - the password that `create-clinic` asks for is typed on stdin;
  - gunicorn binds a free port instead of 8000.
Then the admin logs in, creates a patient, the patient accepts the invite, and every script
of /progress is fetched. Plain HTTP on loopback: the production cookies are `Secure`, so the
test sends them over http by hand (a browser would need the TLS proxy of step 4).
Skipped, with the reason, only when PostgreSQL or git is missing.
"""

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.hosting import pg

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "fresh-clone-password"
ADMIN = "you@riverside.example"

pytestmark = pytest.mark.fresh_clone


def readme_steps() -> list[str]:
    """The command lines of the README block marked production-steps."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- production-steps", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("   #")[0].strip() for line in block.splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shell_script(steps: list[str], clone: Path, env_file: Path, port: int) -> tuple[str, str]:
    """The README's lines before gunicorn's, as one bash script, and gunicorn's own line."""
    lines, gunicorn = [], ""
    for step in steps:
        if step.startswith("git clone"):
            lines.append(f"git clone --quiet {ROOT} {clone} && cd {clone}")
        elif step == "python3 -m venv .venv":
            lines.append(f"ln -s {ROOT / '.venv'} .venv")
        elif step.startswith(".venv/bin/pip install"):
            continue
        elif ". /etc/stride.env" in step:
            lines.append(step.replace("/etc/stride.env", str(env_file)))
        elif "gunicorn" in step:
            gunicorn = step.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        else:
            lines.append(step)
    assert gunicorn, "the README's production steps no longer start gunicorn"
    return "set -euo pipefail\n" + "\n".join(lines) + "\n", gunicorn


class Browser:
    """Keeps cookies by hand: requests would not send the `Secure` cookies over plain http."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.http = requests.Session()
        self.http.trust_env = False

    def _send(self, method: str, path: str, **kwargs: object) -> requests.Response:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.http.request(
            method,
            self.base + path,
            headers={"Cookie": cookie},
            allow_redirects=False,
            timeout=30,
            **kwargs,  # type: ignore[arg-type]
        )
        self.cookies.update(response.cookies.get_dict())
        self.http.cookies.clear()
        return response

    def get(self, path: str) -> requests.Response:
        return self._send("GET", path)

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return self._send("POST", path, data=data)


def _csrf(html: str) -> str:
    """The CSRF token every page carries in <meta name="csrf-token">."""
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_readme_production_steps_in_a_fresh_clone_serve_the_charts(tmp_path):
    reason = pg.unreachable_reason()
    if reason:
        pytest.skip(f"fresh-clone test skipped: {reason}")
    clone, port = tmp_path / "stride", _free_port()
    with pg.scratch_database("fresh") as url:
        env_file = tmp_path / "stride.env"
        env_file.write_text(
            "STRIDE_CONFIG=production\n"
            f"SECRET_KEY={os.urandom(32).hex()}\n"
            f"DATABASE_URL={url.replace('+psycopg', '')}\n"
            "REDIS_URL=redis://127.0.0.1:6379/12\n"
            "WEB_CONCURRENCY=2\n"
            "PROXY_COUNT=1\n"
            f"EXTERNAL_URL=http://127.0.0.1:{port}\n"
        )
        script, gunicorn = shell_script(readme_steps(), clone, env_file, port)
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "npm_config_offline": "true"}
        setup = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=env,
            input=f"{PASSWORD}\n{PASSWORD}\n",
            capture_output=True,
            text=True,
            timeout=600,
            start_new_session=True,  # no terminal: the password prompt reads stdin
        )
        assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
        assert f"Log in as {ADMIN}" in setup.stdout
        with (tmp_path / "gunicorn.log").open("w") as log:
            server = subprocess.Popen(
                ["bash", "-c", f"set -a && . {env_file} && set +a && exec {gunicorn}"],
                cwd=clone,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            _journey(f"http://127.0.0.1:{port}", server, tmp_path)
        finally:
            server.terminate()
            server.wait(timeout=20)


def _wait_until_ready(base: str, server: subprocess.Popen, logs: Path) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, (logs / "gunicorn.log").read_text()[-2000:]
        try:
            if requests.get(base + "/readyz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not become ready: " + (logs / "gunicorn.log").read_text())


def _journey(base: str, server: subprocess.Popen, logs: Path) -> None:  # type: ignore[type-arg]
    _wait_until_ready(base, server, logs)
    admin = Browser(base)
    login = admin.get("/login")
    answer = admin.post(
        "/login", {"csrf_token": _csrf(login.text), "login": ADMIN, "password": PASSWORD}
    )
    assert answer.status_code == 302, answer.text[:500]
    form_page = admin.get("/patients/new")
    assert form_page.status_code == 200
    created = admin.post(
        "/patients/new",
        {
            "csrf_token": _csrf(form_page.text),
            "name": "First Patient",
            "email": "first@riverside.example",
            "date_of_birth": "1980-05-01",
            "timezone": "Europe/London",
            "condition": "gluteal-tendinopathy",
            "affected_side": "right",
            "goal": "walk the dog",
            "usual_pain": "2",
        },
    )
    token = re.search(r"/invite/([\w-]+)\"", created.text)
    assert token, created.text[:1000]
    patient = Browser(base)
    invite = patient.get(f"/invite/{token.group(1)}")
    accepted = patient.post(
        f"/invite/{token.group(1)}",
        {"csrf_token": _csrf(invite.text), "password": PASSWORD, "confirm": PASSWORD},
    )
    assert accepted.status_code == 302, accepted.text[:500]
    progress = patient.get("/progress")
    assert progress.status_code == 200
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', progress.text)
    assert any("plotly" in src for src in scripts), scripts
    for src in scripts:
        response = patient.get(src)
        assert response.status_code == 200, src
        assert "javascript" in response.headers["Content-Type"], (src, response.headers)
        assert len(response.content) > 100, src
