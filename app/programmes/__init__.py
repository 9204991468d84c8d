"""Patients' programmes: assigning, tailoring, phases, history, the patient's plan and handouts."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)

from app.programmes import routes, template_routes  # noqa: E402, F401


@bp.app_context_processor
def _programme_helpers() -> dict[str, object]:
    """Let the patient page's programme card find the active programme; name phases alike."""
    from app.domain.plan_draft import phase_label
    from app.services.plans import active_programme

    return {"active_programme_of": active_programme, "phase_label": phase_label}
