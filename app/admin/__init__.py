"""The clinic admin's pages: the audit log and deleting a patient with all their data."""

from flask import Blueprint

from app.services import audit

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Reads of a patient's record are recorded by policy.get_or_404; this commits them.
bp.after_app_request(audit.commit_access_events)

from app.admin import routes  # noqa: E402, F401
