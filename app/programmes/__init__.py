"""Patients' programmes: assigning, tailoring, phases, history, the patient's plan and handouts."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)

from app.programmes import routes, template_routes  # noqa: E402, F401
