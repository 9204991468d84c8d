"""The WSGI entry point: `gunicorn wsgi:app`."""

import sys

from app import create_app
from config import SettingsError

# gunicorn's "application failed to load" exit code: its master then stops instead of
# starting the worker again and again. Any non-zero code would do for the flask command.
APP_LOAD_ERROR = 4

try:
    app = create_app()
except SettingsError as error:
    # One line a person can act on, not a traceback (config.check_production_settings).
    print(error, file=sys.stderr)
    raise SystemExit(APP_LOAD_ERROR) from None
