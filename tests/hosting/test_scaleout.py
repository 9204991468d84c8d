"""Two gunicorn servers behind nginx (TLS, HTTP/2, gzip) share logins, limits and sync.

Runs deploy/scaleout.py's stack and its checks: real processes on loopback, a scratch
PostgreSQL database (<test database>_scaleout) and a Redis database (STRIDE_TEST_REDIS_URL,
default redis://127.0.0.1:6379/11, emptied). Under a minute. Skipped, with the reason, only when
nginx, openssl or PostgreSQL is missing; CI (.ci/run) installs nginx, so there it runs.
"""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hosting import pg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import scaleout  # noqa: E402

pytestmark = pytest.mark.scaleout


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[scaleout.Stack]:
    reason = scaleout.missing_tools() or pg.unreachable_reason()
    if reason:
        pytest.skip(f"scale-out test skipped: {reason}")
    redis_url = os.environ.get("STRIDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
    with pg.scratch_database("scaleout") as url:
        running = scaleout.Stack(url, redis_url, tmp_path_factory.mktemp("scaleout")).start()
        try:
            yield running
        finally:
            running.stop()


@pytest.mark.parametrize("check", scaleout.CHECKS, ids=lambda check: check.__name__)
def test_scale_out(stack: scaleout.Stack, check) -> None:  # type: ignore[no-untyped-def]
    assert check(stack)
