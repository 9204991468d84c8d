"""`flask worker` as a process: it starts, runs, and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_flask_worker_stops_cleanly_on_sigterm(app):  # type: ignore[no-untyped-def]
    # The session's test database (SQLite file or TEST_DATABASE_URL), migrated by the app fixture.
    env = {**os.environ, "STRIDE_CONFIG": "testing", "FLASK_APP": "wsgi"}
    with subprocess.Popen(
        [sys.executable, "-m", "flask", "worker", "--poll", "0.2"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    ) as worker:
        try:
            assert worker.stderr is not None
            started = worker.stderr.readline()  # blocks until the worker says it runs
            assert "worker started, polling every 0.2 s" in started, started
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
            rest = worker.stderr.read()
            assert "worker stopped" in rest and "Traceback" not in rest, rest
        finally:
            if worker.poll() is None:  # never leave it running, whatever failed
                worker.kill()
