"""The physio's patients: records, invites, assessments and messages."""

from flask import Blueprint

bp = Blueprint("patients", __name__)

from app.patients import messages, routes  # noqa: E402, F401
