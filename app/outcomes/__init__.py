"""Outcome questionnaires: the patient answers them; the physio schedules them and reads them."""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from app.outcomes import routes  # noqa: E402, F401
