"""The patient's day on a phone: today's checklist, check-ins, this week, and the PWA files."""

from flask import Blueprint

bp = Blueprint("today", __name__)

from app.today import markup, routes  # noqa: E402, F401
