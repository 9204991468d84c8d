"""Names vulture (make lint) cannot see used: read by Flask, SQLAlchemy, WTForms, Jinja or pytest.

Each line names the attribute or variable once; keep a reason by each group.
"""

# ruff: noqa
# fmt: off

# Flask-Login and SQLAlchemy read these settings and call-back signatures.
_.open_session  # Flask calls its session interface's (app.KeptSerializerSessions)
_.login_view
_.session_protection
_.isolation_level  # sqlite3 connection attribute
connection_record  # SQLAlchemy "connect" event signature
impl  # TypeDecorator
cache_ok  # TypeDecorator
conn, parameters  # SQLAlchemy event signature in tests/conftest.py
exc_info  # __exit__ signatures

# WTForms: EqualTo("confirm") and widget classes are read by the field machinery.
confirm
widget
option_widget
# WTForms reads a form's Meta and its csrf_class, and calls the CSRF's token maker (app/forms.py).
Meta
csrf_class
_.generate_csrf_token
csrf_token_field

# Read in templates (Jinja), which vulture does not scan.
_.is_custom
_.timer_seconds
_.is_today
_.latest_morning
_.about  # guidance.MorningWords: the morning card says which day it is about
is_admin  # views.Chrome: the kept menus (_chrome.html) show an admin the audit log and staff

# Model columns written for the record (the audit and history pages read them by name).
received_at
decided_at
_.decided_at
_.audit_commit_pending  # flask.g flag, popped by audit.access_events_pending

# pydantic reads a model's settings from this class attribute.
model_config

# Cache keys: the argument is part of the lru_cache key, not read in the body.
mtime
current_version_made

# Kept on purpose: the weekday constants as a set, a developer helper the tests name.
SUNDAY
write_schema_files
busy_physio_login  # the bench seeder's documented login for the busiest physio

# pytest reads these by name: module marks and fixtures requested for their side effects.
pytestmark
shelf
strict_login_limit

# requests reads it: the hosting tests' clients ignore the environment's CA bundle and proxies.
trust_env
# Issue 20 (input limits, shared rate limits, idle sessions, refused-access audit):
regex  # werkzeug reads a URL converter's pattern (input_limits.IdConverter)
STORAGE_SCHEME  # limits registers a storage under these URL schemes (rate_limits)
base_exceptions  # limits reads which errors a storage raises
_.login_session_touched  # flask.g flag, popped by accounts.session_touch_pending
_.refused_patient_access  # flask.g note, popped by audit.record_refusal
# Outcome questionnaires (issue 15): read in templates, or columns kept for the record (the
# data download, a later FHIR QuestionnaireResponse).
_.missing_source
_.missing_choice
_.mcid_source
_.activity_ask
_.item_count
_.outcome_status
_.wording_loaded_at
_.assessment_id
_.answered_at
_.instrument_hash
# html.parser.HTMLParser calls these (tests/today/test_pages.py reads a page's buttons).
_.handle_starttag
_.handle_endtag
_.handle_data
# The clinic's media (issue 16): read in templates, or set for Pillow to read.
_.is_video
_.on_card
_.MAX_IMAGE_PIXELS
# Reminders (issue 17): a column kept for the record (the data download, the log of a send),
# and the local push service's handler methods, which http.server calls by name.
_.sent_at
do_POST
log_message

# Exercise figures: read by the Jinja partial templates/figures/_figure.html.
_.frames_json
