"""The clinic's photos and videos: upload pages for staff, and the one view that serves a file."""

from flask import Blueprint

bp = Blueprint("media", __name__)

from app.media import routes  # noqa: E402, F401
