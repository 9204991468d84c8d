"""A patient's own data download (JSON, or a zip of CSV files)."""

from flask import Blueprint

bp = Blueprint("my_data", __name__)

from app.my_data import routes  # noqa: E402, F401
