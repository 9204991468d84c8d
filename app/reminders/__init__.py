"""Reminders: the patient's choice and phones (Web Push), and the private calendar feed."""

from flask import Blueprint

bp = Blueprint("reminders", __name__)

from app.reminders import routes  # noqa: E402, F401
