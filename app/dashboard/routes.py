"""The caseload dashboard."""

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.dashboard import bp
from app.policy import staff_required
from app.services.caseload import NEED_LABELS, Need, caseload


@bp.get("/dashboard")
@staff_required
def index() -> ResponseReturnValue:
    """Patients sorted by need, with filters by need and by name."""
    need = request.args.get("need") or ""
    search = (request.args.get("q") or "").strip()[:120]
    if need not in {n.value for n in Need}:
        need = ""
    rows = caseload(current_user, need=need or None, search=search or None)
    return render_template(
        "dashboard/index.html",
        rows=rows,
        need=need,
        search=search,
        needs=list(Need),
        labels=NEED_LABELS,
    )
