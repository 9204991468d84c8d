"""The JSON API under /api/v1 that the patient's phone uses (and an OpenAPI description)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import routes  # noqa: E402, F401
