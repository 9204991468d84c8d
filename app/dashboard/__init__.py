"""The physio's home: the caseload, most in need first."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from app.dashboard import markup, routes  # noqa: E402, F401
