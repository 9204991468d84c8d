"""The exercise library for staff: browse, search, exercise pages and clinic-made exercises."""

from flask import Blueprint

bp = Blueprint("library", __name__, url_prefix="/library")

from app.library import figure_views, routes  # noqa: E402, F401
