"""Outcome questionnaire pages: the patient's (one question per screen) and the physio's results."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.domain import charts
from app.domain import outcomes as rules
from app.domain.errors import Refused
from app.domain.localtime import local_today
from app.extensions import db
from app.forms import Form
from app.models import OutcomeMeasure, Patient
from app.outcomes import bp
from app.outcomes.forms import DischargeForm, ScheduleForm
from app.policy import current_patient, get_or_404, patient_required, staff_required
from app.services import outcomes
from app.views import submit


@bp.get("/outcomes")
@patient_required
def waiting() -> ResponseReturnValue:
    """The patient's questionnaires due now."""
    patient = current_patient()
    today = local_today(patient.timezone)
    measures = outcomes.waiting_measures(patient, today)
    names = {m.instrument: outcomes.instrument(m.instrument) for m in measures}
    return render_template("outcomes/waiting.html", measures=measures, names=names)


def _answer_page(
    patient: Patient, measure: OutcomeMeasure, errors: dict[str, str], values: dict[str, str]
) -> str:
    tool = outcomes.instrument(measure.instrument)
    activities = []
    if tool.names_activities and measure.reason != "baseline":
        activities = outcomes.baseline_activities(patient)
    return render_template(
        "outcomes/answer.html",
        measure=measure,
        tool=tool,
        activities=activities,
        errors=errors,
        values=values,
        form=Form(),
        reasons=rules.REASONS,
    )


@bp.get("/outcomes/<int:measure_id>")
@patient_required
def answer_form(measure_id: int) -> ResponseReturnValue:
    """One questionnaire: the script shows one question per screen; without it, one page."""
    patient = current_patient()
    measure = outcomes.own_measure(patient, measure_id)
    if measure is None:
        abort(404)  # another patient's looks like one that does not exist
    if measure.answered_on is not None:
        flash("That questionnaire is answered or no longer waiting.", "info")
        return redirect(url_for("outcomes.waiting"))
    return _answer_page(patient, measure, {}, {})


def _answers_from_form(
    patient: Patient, measure: OutcomeMeasure, tool: rules.Instrument
) -> tuple[list[object], list[str] | None]:
    """The form's answers (answer_N) and, for PSFS, the activities (activity_N) in pairs."""

    def value(n: int) -> object:
        return request.form.get(f"answer_{n}", "") or None

    if not tool.names_activities:
        return [value(n) for n in range(1, len(tool.items) + 1)], None
    named = outcomes.baseline_activities(patient) if measure.reason != "baseline" else []
    if named:
        return [value(n) for n in range(1, len(named) + 1)], named
    most = tool.activities[1] if tool.activities else 0
    pairs = [(request.form.get(f"activity_{n}", "").strip(), value(n)) for n in range(1, most + 1)]
    pairs = [(name, answer) for name, answer in pairs if name or answer is not None]
    return [answer for _, answer in pairs], [name for name, _ in pairs]


@bp.post("/outcomes/<int:measure_id>")
@patient_required
def answer_submit(measure_id: int) -> ResponseReturnValue:
    """Without JavaScript: the whole questionnaire in one form, stored like the synced event."""
    patient = current_patient()
    measure = outcomes.own_measure(patient, measure_id)
    form = Form()
    if measure is None:
        abort(404)
    if not form.validate_on_submit():
        flash("That questionnaire could not be saved. Please try again.", "error")
        return redirect(url_for("outcomes.waiting"))
    tool = outcomes.instrument(measure.instrument)
    answers, names = _answers_from_form(patient, measure, tool)
    try:
        outcomes.answer(patient, measure.id, answers, names)
    except Refused as refused:
        db.session.rollback()
        values = {k: v for k, v in request.form.items() if k != "csrf_token"}
        return _answer_page(patient, measure, refused.errors, values), 422
    db.session.commit()
    flash(f"Thank you: your {tool.short_name} answers are saved.", "success")
    return redirect(url_for("today.today"), code=303)


# --- The physio's results -------------------------------------------------------------------


def _chart(result: outcomes.InstrumentResults, today: date) -> charts.Chart:
    tool = result.instrument
    points = outcomes.score_points(result)
    names = {sub.key: sub.name for sub in tool.subscales}
    mcids = {sub.key: sub.mcid for sub in tool.subscales}
    series = [
        charts.OutcomeSeries(
            key,
            names.get(key, "Mean" if tool.names_activities else tool.short_name),
            tuple(values),
            mcids.get(key, tool.mcid),
        )
        for key, values in points.items()
    ]
    return charts.outcome_chart(
        f"outcome-{tool.slug}", f"{tool.short_name} over time", series, tool.score_range, today
    )


def _results_page(
    patient: Patient, schedule_form: ScheduleForm, discharge_form: DischargeForm
) -> str:
    today = local_today(patient.timezone)
    found = outcomes.results(patient)
    chart_list = [_chart(result, today) for result in found if result.measures]
    return render_template(
        "outcomes/results.html",
        patient=patient,
        results=found,
        charts={chart.key: chart for chart in chart_list},
        payload={"charts": [c.as_json() for c in chart_list], "config": charts.PLOTLY_CONFIG},
        schedule_form=schedule_form,
        discharge_form=discharge_form,
        suggested=outcomes.suggested_for(patient.condition),
        today=today,
        state=rules.measure_state,
        reasons=rules.REASONS,
    )


def _forms(patient: Patient) -> tuple[ScheduleForm, DischargeForm]:
    choices = list(outcomes.instrument_names().items())
    schedule_form, discharge_form = (
        ScheduleForm(prefix="schedule"),
        DischargeForm(prefix="discharge"),
    )
    schedule_form.instrument.choices = choices
    discharge_form.instrument.choices = choices
    if request.method == "GET":
        today = local_today(patient.timezone)
        schedule_form.first_due.data, discharge_form.due.data = today, today
        suggested = outcomes.suggested_for(patient.condition)
        if suggested:
            schedule_form.instrument.data = suggested[-1]
        schedule_form.every_weeks.data = 4
    return schedule_form, discharge_form


@bp.get("/patients/<int:patient_id>/outcomes")
@staff_required
def results(patient_id: int) -> ResponseReturnValue:
    """A patient's questionnaires: schedule, scores, change since baseline and the chart."""
    patient = get_or_404(current_user, Patient, patient_id)
    return _results_page(patient, *_forms(patient))


@bp.post("/patients/<int:patient_id>/outcomes/schedule")
@staff_required
def schedule(patient_id: int) -> ResponseReturnValue:
    """Ask for a questionnaire from a date (the baseline first), repeating every N weeks."""
    patient = get_or_404(current_user, Patient, patient_id)
    schedule_form, discharge_form = _forms(patient)
    return submit(
        schedule_form,
        lambda: outcomes.schedule(
            current_user,
            patient,
            schedule_form.instrument.data,
            schedule_form.first_due.data,
            schedule_form.every_weeks.data,
        ),
        done="Questionnaire scheduled.",
        then=lambda _: redirect(url_for("outcomes.results", patient_id=patient.id), code=303),
        page=lambda general: _results_page(patient, schedule_form, discharge_form),
    )


@bp.post("/patients/<int:patient_id>/outcomes/discharge")
@staff_required
def discharge(patient_id: int) -> ResponseReturnValue:
    """Ask for one more answer at discharge; the repeats stop."""
    patient = get_or_404(current_user, Patient, patient_id)
    schedule_form, discharge_form = _forms(patient)
    return submit(
        discharge_form,
        lambda: outcomes.ask_at_discharge(
            current_user, patient, discharge_form.instrument.data, discharge_form.due.data
        ),
        done="Discharge questionnaire asked for.",
        then=lambda _: redirect(url_for("outcomes.results", patient_id=patient.id), code=303),
        page=lambda general: _results_page(patient, schedule_form, discharge_form),
    )
