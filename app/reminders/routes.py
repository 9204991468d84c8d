"""The patient's reminder choice, their phones' push subscriptions, and the calendar feed."""

from datetime import time
from typing import Any

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.domain.errors import Refused
from app.domain.localtime import local_today
from app.domain.reminders import slot_name
from app.extensions import db, limiter
from app.forms import Form
from app.models import Patient
from app.policy import current_patient, patient_required, public
from app.reminders import bp
from app.reminders.forms import ReminderForm
from app.services import calendar_feed, push, reminders
from app.views import external_url, submit


def status_context(patient: Patient) -> dict[str, Any]:
    """Whether reminders are on and at which times (the patient page, the Account page)."""
    status = reminders.status_of(patient)
    today = local_today(patient.timezone)
    chosen = status.choice.times_for(reminders.plan_times_per_day(patient, today))
    return {"reminder_status": status, "reminder_times": [slot_name(at) for at in chosen]}


def account_context(patient: Patient, form: ReminderForm | None = None) -> dict[str, Any]:
    """What the Account page's reminder section needs (patients/me.html includes it)."""
    context = status_context(patient)
    status = context["reminder_status"]
    if form is None:
        form = ReminderForm(formdata=None)
        form.enabled.data = status.choice.enabled
        form.evening_nudge.data = status.choice.evening_nudge
        form.evening_time.data = status.choice.evening_time
        for field, at in zip(form.time_fields, context["reminder_times"], strict=False):
            field.data = time.fromisoformat(at)
    return {
        **context,
        "reminder_form": form,
        "push_public_key": push.configured_public_key(),
        "calendar_on": calendar_feed.has_feed(patient),
    }


def _account_page(patient: Patient, **extra: Any) -> str:
    return render_template("patients/me.html", patient=patient, **account_context(patient, **extra))


@bp.post("/me/reminders")
@patient_required
def save() -> ResponseReturnValue:
    """Save when to be reminded; bad times are refused by the field, nothing stored."""
    patient = current_patient()
    form = ReminderForm()
    return submit(
        form,
        lambda: reminders.save_choice(
            patient,
            enabled=form.enabled.data,
            times=form.times_text(),
            evening_nudge=form.evening_nudge.data,
            evening_time=form.evening_time.data,
        ),
        done=lambda setting: "Reminders on." if setting.enabled else "Reminders off.",
        then=lambda _: redirect(url_for("patients.me") + "#reminders"),
        page=lambda _: _account_page(patient, form=form),
        fields={"times": "time_1"},
    )


def _json_refusal(refusal: Refused) -> ResponseReturnValue:
    db.session.rollback()
    return jsonify(error="That subscription could not be saved.", errors=refusal.errors), 422


@bp.post("/me/push/subscribe")
@patient_required
def subscribe() -> ResponseReturnValue:
    """Keep this phone's push subscription (sent by reminders.js, JSON with the CSRF header)."""
    patient = current_patient()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("keys"), dict):
        return jsonify(error="Send the browser's subscription as JSON."), 400
    endpoint, p256dh, auth = (
        body.get("endpoint"),
        body["keys"].get("p256dh"),
        body["keys"].get("auth"),
    )
    if not (isinstance(endpoint, str) and isinstance(p256dh, str) and isinstance(auth, str)):
        return jsonify(error="Send the subscription's endpoint and keys as text."), 400
    try:
        reminders.subscribe(patient, endpoint, p256dh, auth)
    except Refused as refusal:
        return _json_refusal(refusal)
    db.session.commit()
    return jsonify(status="subscribed", devices=reminders.status_of(patient).devices)


@bp.post("/me/push/unsubscribe")
@patient_required
def unsubscribe() -> ResponseReturnValue:
    """Forget this phone (when the patient turns reminders off on it)."""
    patient = current_patient()
    body = request.get_json(silent=True)
    endpoint = body.get("endpoint") if isinstance(body, dict) else None
    if not isinstance(endpoint, str):
        return jsonify(error="Send the subscription's endpoint."), 400
    removed = reminders.unsubscribe(patient, endpoint)
    db.session.commit()
    return jsonify(status="removed" if removed else "unknown")


@bp.post("/me/calendar")
@patient_required
def new_calendar() -> ResponseReturnValue:
    """Make a private calendar link (any earlier one stops working); shown only now."""
    patient = current_patient()
    return submit(
        Form(),
        lambda: calendar_feed.issue_feed(patient),
        done=None,
        then=lambda token: render_template(
            "reminders/calendar_link.html",
            link=external_url("reminders.calendar", token=token),
        ),
    )


@bp.post("/me/calendar/revoke")
@patient_required
def revoke_calendar() -> ResponseReturnValue:
    """Stop the calendar link working."""
    patient = current_patient()
    return submit(
        Form(),
        lambda: calendar_feed.revoke_feed(patient),
        done="Your calendar link no longer works.",
        then=lambda _: redirect(url_for("patients.me") + "#calendar"),
    )


def _calendar_limit() -> str:
    return str(current_app.config["CALENDAR_RATE_LIMIT"])


@bp.get("/calendar/<token>.ics")
@public
@limiter.limit(_calendar_limit)
def calendar(token: str) -> ResponseReturnValue:
    """The patient's exercise days as an iCalendar feed; the token in the URL is the key."""
    patient = calendar_feed.patient_for_token(token)
    if patient is None:
        return render_template("error.html", status=404, message="No such calendar."), 404
    body = calendar_feed.feed(patient, local_today(patient.timezone))
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Disposition"] = 'inline; filename="stride.ics"'
    return response
