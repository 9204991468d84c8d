"""Messages: the patient's thread on their phone, and the staff's reply from the patient page."""

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.domain.errors import Refused
from app.domain.events import UUID_PATTERN, EventStatus, parse_event
from app.domain.localtime import utcnow
from app.domain.messages import MESSAGE_MAX_CHARS
from app.models import Patient
from app.patients import bp
from app.patients.forms import MessageForm
from app.policy import current_patient, get_or_404, patient_required, staff_required
from app.services import activity, patient_words
from app.views import submit


@bp.get("/messages")
@patient_required
def my_messages() -> ResponseReturnValue:
    """The patient's thread with their physio, and the form to write (queued when offline)."""
    patient = current_patient()
    return render_template(
        "patients/messages.html",
        patient=patient,
        messages=patient_words.open_for_patient(patient),
        new_id=str(uuid.uuid4()),
        max_chars=MESSAGE_MAX_CHARS,
    )


@bp.post("/messages")
@patient_required
def send_my_message() -> ResponseReturnValue:
    """Without JavaScript: send one message, as the same event the phone syncs."""
    patient = current_patient()
    event = parse_event(
        {
            "id": request.form.get("id") or str(uuid.uuid4()),
            "type": "message",
            "client_time": utcnow().isoformat(),
            "body": request.form.get("body", ""),
        }
    )
    [result] = activity.apply_and_commit(patient, [event])
    if result.status == EventStatus.REJECTED:
        for message in result.errors.values():
            flash(message, "error")
    else:
        flash("Message sent.", "success")
    return redirect(url_for("patients.my_messages"), code=303)


@bp.post("/patients/<int:patient_id>/messages")
@staff_required
def reply(patient_id: int) -> ResponseReturnValue:
    """Send a message to the patient from their page."""
    patient = get_or_404(current_user, Patient, patient_id)
    form = MessageForm()
    back = url_for("patients.detail", patient_id=patient.id, _anchor="messages")

    def send() -> bool:
        message_id = (form.message_id.data or "").lower()
        if not UUID_PATTERN.match(message_id):
            raise Refused({"message_id": "Reload the page and try again."})
        return patient_words.send_from_staff(current_user, patient, message_id, form.body.data)

    return submit(
        form,
        send,
        done=lambda sent: "Message sent." if sent else "That message was already sent.",
        then=lambda _: redirect(back, code=303),
        back=lambda: redirect(back, code=303),
    )
