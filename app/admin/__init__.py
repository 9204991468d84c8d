"""The clinic admin's pages: the audit log, the staff and their invites, deleting a patient."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import routes  # noqa: E402, F401
