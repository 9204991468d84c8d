"""The clinic admin's pages: the audit log and deleting a patient with all their data."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import routes  # noqa: E402, F401
