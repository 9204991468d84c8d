"""gunicorn's settings for Stride, read from the working directory: `gunicorn wsgi:app`.

The master checks the production settings once, knowing the real number of workers (from
--workers, WEB_CONCURRENCY or this file), before any worker starts: a bad setting stops it
with one line on stderr and exit status 1. Every setting here can be overridden on the
command line.
"""

import os
import sys

timeout = 30
graceful_timeout = 10


def on_starting(server):  # type: ignore[no-untyped-def]
    """Export the worker count for the app and refuse to start on unsafe settings."""
    os.environ["STRIDE_WORKERS"] = str(server.cfg.workers)
    if os.environ.get("STRIDE_CONFIG") != "production":
        return
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from config import ProductionConfig, SettingsError, check_production_settings

    settings = {name: getattr(ProductionConfig, name) for name in dir(ProductionConfig)}
    try:
        check_production_settings(settings, workers=server.cfg.workers)
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None
