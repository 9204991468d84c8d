"""Progress charts: the patient's own page and JSON, the staff view of a patient."""

from datetime import date

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app import json_error
from app.domain import charts as figures
from app.domain.chart_svg import static_chart
from app.domain.localtime import local_today
from app.models import Patient
from app.policy import (
    current_patient,
    get_or_404,
    login_required,
    patient_required,
    staff_required,
)
from app.progress import bp
from app.services import charts
from app.services.plans import ACTIVE_PLAN


@bp.get("/patients/<int:patient_id>/charts.json")
@login_required
def patient_charts_json(patient_id: int) -> ResponseReturnValue:
    """A patient's charts as Plotly JSON: all four for staff, the patient's three for them.

    Scoped like every patient read: anyone else's patient is a 404.
    """
    patient = get_or_404(current_user, Patient, patient_id, ACTIVE_PLAN)  # keys the kept plan
    return _charts_json(patient, for_patient=current_user.is_patient)


@bp.get("/progress/charts.json")
@patient_required
def my_charts_json() -> ResponseReturnValue:
    """The signed-in patient's own charts (pain, adherence, calendar) as Plotly JSON."""
    return _charts_json(current_patient(), for_patient=True)


@bp.get("/patients/<int:patient_id>/progress")
@staff_required
def patient_progress(patient_id: int) -> ResponseReturnValue:
    """A patient's progress page for staff: all four charts."""
    patient = get_or_404(current_user, Patient, patient_id, ACTIVE_PLAN)  # keys the kept plan
    return _page(patient, for_patient=False)


@bp.get("/progress")
@patient_required
def mine() -> ResponseReturnValue:
    """The patient's progress page: pain, adherence and days done, in plain words."""
    return _page(current_patient(), for_patient=True)


def _charts_json(patient: Patient, *, for_patient: bool) -> ResponseReturnValue:
    today = local_today(patient.timezone)
    try:
        first, last = figures.parse_range(request.args.get("from"), request.args.get("to"), today)
    except figures.RangeError as error:
        return json_error(422, str(error), {"range": str(error)})
    built = _charts(patient, first, last, today, for_patient=for_patient)
    return jsonify(_payload(first, last, built))


def _page(patient: Patient, *, for_patient: bool) -> ResponseReturnValue:
    today = local_today(patient.timezone)
    try:
        first, last = figures.parse_range(request.args.get("from"), request.args.get("to"), today)
        error = None
    except figures.RangeError as problem:
        first, last = figures.parse_range(None, None, today)
        error = str(problem)
    built = _charts(patient, first, last, today, for_patient=for_patient)
    template = "progress/mine.html" if for_patient else "progress/patient.html"
    return render_template(
        template,
        patient=patient,
        payload=_payload(first, last, built),
        # The first chart is drawn here, so it is on screen with no script (charts.js).
        first_chart=static_chart(built[0].figure) if built else "",
        first=first,
        last=last,
        range_error=error,
    ), (422 if error else 200)


def _charts(
    patient: Patient, first: date, last: date, today: date, *, for_patient: bool
) -> list[figures.Chart]:
    history = charts.load_history(patient, first, last, today)
    return figures.charts_for(history, patient=for_patient)


def _payload(first: date, last: date, built: list[figures.Chart]) -> dict[str, object]:
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "config": figures.PLOTLY_CONFIG,
        "charts": [chart.as_json() for chart in built],
    }
