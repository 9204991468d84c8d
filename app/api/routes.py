"""GET /api/v1/today, POST /api/v1/sync and the OpenAPI document."""

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from app import json_error
from app.api import bp
from app.api.openapi import openapi_document
from app.api.serialize import today_json
from app.domain.events import MAX_EVENTS_PER_BATCH, parse_event
from app.domain.localtime import UnreadableDate, local_today, parse_date
from app.input_limits import body_limit
from app.policy import current_patient, patient_required, public
from app.services import activity

# 200 events with full 1000-character notes fit well inside this; 10,000 ticks do not.
MAX_SYNC_BODY_BYTES = 512 * 1024
TOO_MANY = f"Send at most {MAX_EVENTS_PER_BATCH} events at a time."


@bp.get("/today")
@patient_required
def today() -> ResponseReturnValue:
    """The patient's day (today, or ?date= within the catch-up window) as JSON."""
    patient = current_patient()
    day = None
    if request.args.get("date"):
        today_date = local_today(patient.timezone)
        try:
            day = parse_date(request.args["date"])
        except UnreadableDate as unreadable:
            return json_error(422, "Check the date.", unreadable.errors)
        message = activity.date_error(day, today_date)
        if message:
            return json_error(422, "Check the date.", {"date": message})
    return jsonify(today_json(activity.today_view(patient, day)))


@bp.post("/sync")
@body_limit(MAX_SYNC_BODY_BYTES, {"events": TOO_MANY})  # chunked too; before the login check
@patient_required
def sync() -> ResponseReturnValue:
    """Apply a batch of events from the phone; answer each event's status."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        message = 'Send JSON like {"events": [...]}.'
        return json_error(422, "That request could not be read.", {"events": message})
    raw_events = body["events"]
    if len(raw_events) > MAX_EVENTS_PER_BATCH:
        return json_error(
            413, TOO_MANY, {"events": f"{TOO_MANY} This batch had {len(raw_events)}."}
        )
    patient = current_patient()
    events = [parse_event(raw) for raw in raw_events]
    results = activity.apply_and_commit(patient, events)
    return jsonify(results=[result.as_dict() for result in results])


@bp.get("/openapi.json")
@public
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 description of this API (public: it holds no data)."""
    return jsonify(openapi_document())
