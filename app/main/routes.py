"""Home redirect and the health check."""

import sqlalchemy as sa
from flask import jsonify, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.main import bp
from app.models import Role
from app.policy import public


@bp.get("/")
@public
def index() -> ResponseReturnValue:
    """Send people to their own home page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == Role.PATIENT:
        return redirect(url_for(home_endpoint(Role.PATIENT)))
    return redirect(url_for(home_endpoint(current_user.role)))


def home_endpoint(role: str) -> str:
    """The endpoint of each role's home page."""
    return "dashboard.index" if role != Role.PATIENT else "today.today"


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """Report whether the app can reach its database."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
