"""Progress: the charts, the physio's suggestions and flags, and the served chart assets."""

from flask import Blueprint

bp = Blueprint("progress", __name__)

from app.progress import routes, suggestions  # noqa: E402, F401
