"""The day page, its no-JavaScript form fallback, the week page, manifest and service worker."""

import uuid
from datetime import date
from pathlib import Path

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as WerkzeugResponse

from app.domain.events import EVENT_FIELDS, LIST_FIELDS, PAGE_SCHEMA, EventStatus, parse_event
from app.domain.localtime import UnreadableDate, local_today, parse_date, utcnow
from app.domain.pain import ZONE_ADVICE, Zone
from app.models import Patient
from app.policy import current_patient, patient_required, public
from app.services import activity, media, plan_changes
from app.services.plans import active_plan
from app.today import bp
from app.today.forms import PlanSeenForm
from app.views import submit

THEME_COLOUR = "#0b5d4b"


@bp.get("/today")
@patient_required
def today() -> ResponseReturnValue:
    """The patient's home page: what is due today (or a catch-up day) and the check-ins."""
    patient = current_patient()
    day = _requested_day(request.args.get("date"), local_today(patient.timezone))
    if isinstance(day, WerkzeugResponse):
        return day
    view = activity.today_view(patient, day)
    notice = plan_changes.plan_notice(active_plan(patient))
    return render_template(
        "today/today.html",
        view=view,
        patient=patient,
        new_id=lambda: str(uuid.uuid4()),
        zone_advice=ZONE_ADVICE,
        Zone=Zone,
        plan_notice=notice,
        # Its form only with the notice: most days have none, and a form costs a CSRF field.
        plan_seen_form=PlanSeenForm() if notice else None,
        card_media=_card_media(patient, view),
    )


def _card_media(patient: Patient, view: activity.TodayView) -> media.CardMedia:
    """The photos and videos of the day's exercises (issue 16): one statement, none when
    neither the patient nor the day's exercises have any (counts read with their rows)."""
    plan = active_plan(patient)
    if plan is None or not (
        patient.media_count or any(item.exercise_has_media for item in view.items)
    ):
        return media.CardMedia()  # nothing to show: no statement
    return media.for_cards(
        (item.exercise_id for item in view.items),
        patient.id,
        plan.programme_id,
        [item.line_id for item in view.items],
    )


def _requested_day(text: str | None, today_date: date) -> date | WerkzeugResponse | None:
    """Parse ?date=; off-window days go back to today with a message."""
    if not text:
        return None
    try:
        day = parse_date(text)
    except UnreadableDate:
        flash("That date could not be read. Here is today.", "error")
        return redirect(url_for("today.today"))
    message = activity.date_error(day, today_date)
    if message:
        flash(message, "error")
        return redirect(url_for("today.today"))
    return day


@bp.post("/today/events")
@patient_required
def events() -> ResponseReturnValue:
    """Without JavaScript: one event from a form, applied exactly like the API's events."""
    patient = current_patient()
    raw: dict[str, object] = {
        name: request.form.getlist(name) if name in LIST_FIELDS else request.form[name]
        for name in EVENT_FIELDS
        if request.form.get(name, "") != ""
    }
    unit = request.form.get("unit", "")  # "session:side" from the clicked button
    if ":" in unit:
        raw["session"], raw["side"] = unit.split(":", 1)
    raw.setdefault("id", str(uuid.uuid4()))
    raw["client_time"] = utcnow().isoformat()
    event = parse_event(raw)
    [result] = activity.apply_and_commit(patient, [event])
    if result.status == EventStatus.REJECTED:
        for message in result.errors.values():
            flash(message, "error")
    elif event.type == "checkin":
        flash("Thank you, your pain is saved.", "success")
    page_date = request.form.get("page_date") or ""
    if page_date and page_date != str(local_today(patient.timezone)):
        return redirect(url_for("today.today", date=page_date), code=303)
    return redirect(url_for("today.today"), code=303)


@bp.post("/today/plan-seen")
@patient_required
def plan_seen() -> ResponseReturnValue:
    """ "Got it" on the plan-change notice: it is not shown again until the plan changes."""
    patient = current_patient()
    form = PlanSeenForm()

    def back() -> ResponseReturnValue:
        return redirect(url_for("today.today"), code=303)

    return submit(
        form,
        lambda: plan_changes.mark_seen(patient, int(form.number.data or 0)),
        done=None,
        then=lambda _: back(),
        back=back,
    )


# The pages' event schema under one name (built once: every page renders it).
EVENT_SCHEMA: dict[str, object] = {"event_schema": PAGE_SCHEMA}


@bp.app_context_processor
def event_schema() -> dict[str, object]:
    """The event schema for every page's template (EVENT_SCHEMA)."""
    return EVENT_SCHEMA


@bp.get("/week")
@patient_required
def week() -> ResponseReturnValue:
    """This week so far: days done and adherence, in honest, encouraging words."""
    patient = current_patient()
    return render_template("today/week.html", view=activity.week_view(patient))


@bp.get("/manifest.webmanifest")
@public
def manifest() -> ResponseReturnValue:
    """The web app manifest that makes Stride installable."""
    icon = lambda name: url_for("static", filename=f"icons/{name}")  # noqa: E731
    body = {
        "name": "Stride: home exercises",
        "short_name": "Stride",
        "description": "Your physio exercises for today, ticked off in a tap.",
        "id": "/today",
        "start_url": "/today",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f5f7f6",
        "theme_color": THEME_COLOUR,
        "icons": [
            {"src": icon("icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {
                "src": icon("icon-maskable.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "maskable",
            },
            {"src": icon("icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": icon("icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": icon("icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = current_app.response_class(
        current_app.json.dumps(body), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
@public
def service_worker() -> ResponseReturnValue:
    """The service worker, served from the root so it may control /today and /api/v1/today."""
    path = Path(current_app.static_folder or "") / "js" / "sw.js"
    response = send_file(path, mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on each visit; never let a cache pin an old one.
    response.headers["Cache-Control"] = "no-cache"
    return response
