"""The physio's patient list, new patients, invites, assessments; a patient's own profile."""

import uuid

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.domain.localtime import common_timezones, local_today
from app.extensions import db
from app.forms import Form
from app.models import Assessment, Patient, User
from app.patients import bp
from app.patients.forms import AssessmentForm, PatientForm
from app.policy import current_patient, get_or_404, patient_required, staff_required, visible
from app.progress.suggestions import physio_panel
from app.reminders.routes import account_context, status_context
from app.services import accounts, audit, patient_words
from app.services.plans import active_programme
from app.views import external_url, submit


@bp.get("/patients")
@staff_required
def index() -> ResponseReturnValue:
    """The patients the signed-in physio (or clinic admin) may see."""
    patients = db.session.scalars(
        visible(current_user, Patient)
        .join(Patient.user)
        .options(sa.orm.contains_eager(Patient.user))
        .order_by(User.name)
    ).all()
    return render_template("patients/index.html", patients=patients)


@bp.route("/patients/new", methods=["GET", "POST"])
@staff_required
def new() -> ResponseReturnValue:
    """Create a patient and show their invite link and code once."""
    form = PatientForm()

    def create() -> tuple[Patient, accounts.IssuedInvite]:
        return accounts.create_patient(
            current_user,
            accounts.NewPatient(
                name=form.name.data.strip(),
                email=(form.email.data or "").strip() or None,
                date_of_birth=form.date_of_birth.data,
                timezone=form.timezone.data,
                condition=form.condition.data,
                affected_side=form.affected_side.data,
                goal=(form.goal.data or "").strip(),
                usual_pain=form.usual_pain.data,
            ),
        )

    return submit(
        form,
        create,
        done=None,
        then=lambda created: _show_invite(*created, created=True),
        page=lambda _: render_template(
            "patients/new.html", form=form, timezones=common_timezones()
        ),
    )


def _show_invite(patient: Patient, issued: accounts.IssuedInvite, created: bool = False) -> str:
    return render_template(
        "patients/invite.html",
        patient=patient,
        link=external_url("auth.accept_invite", token=issued.token),
        code_url=external_url("auth.invite_code"),
        code=issued.display_code,
        expires_at=issued.invite.expires_at,
        created=created,
    )


@bp.get("/patients/<int:patient_id>")
@staff_required
def detail(patient_id: int) -> ResponseReturnValue:
    """A patient's record: details, assessments."""
    patient = get_or_404(current_user, Patient, patient_id)
    assessments = db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.patient_id == patient.id)
        .options(sa.orm.joinedload(Assessment.physio))
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    ).all()
    today = local_today(patient.timezone)
    return render_template(
        "patients/detail.html",
        patient=patient,
        assessments=assessments,
        today=today,
        active_programme=active_programme(patient.id),
        panel=physio_panel(patient),
        words=patient_words.open_for_staff(current_user, patient, today),
        reply_id=str(uuid.uuid4()),
        **status_context(patient),
    )


@bp.post("/patients/<int:patient_id>/invite")
@staff_required
def reissue_invite(patient_id: int) -> ResponseReturnValue:
    """Make a new invite (also the password reset); earlier links stop working."""
    patient = get_or_404(current_user, Patient, patient_id)
    return submit(
        Form(),
        lambda: accounts.issue_invite(current_user, patient.user),
        done=None,
        then=lambda issued: _show_invite(patient, issued),
    )


@bp.route("/patients/<int:patient_id>/assessments/new", methods=["GET", "POST"])
@staff_required
def new_assessment(patient_id: int) -> ResponseReturnValue:
    """Record an initial assessment or a reassessment."""
    patient = get_or_404(current_user, Patient, patient_id)
    has_initial = db.session.scalar(
        sa.select(sa.func.count(Assessment.id)).where(Assessment.patient_id == patient.id)
    )
    form = AssessmentForm()
    if request.method == "GET":
        form.kind.data = "reassessment" if has_initial else "initial"
        form.assessed_on.data = local_today(patient.timezone)

    def change() -> Assessment:
        assessment = Assessment(
            patient_id=patient.id,
            physio_id=current_user.id,
            kind=form.kind.data,
            assessed_on=form.assessed_on.data,
            findings=form.findings.data.strip(),
            baseline_pain=form.baseline_pain.data,
            goals=(form.goals.data or "").strip(),
            notes=(form.notes.data or "").strip(),
        )
        db.session.add(assessment)
        if patient.usual_pain is None:
            patient.usual_pain = form.baseline_pain.data
        db.session.flush()
        audit.record(
            current_user, "assessment.create", "assessment", assessment.id, patient_id=patient.id
        )
        return assessment

    return submit(
        form,
        change,
        done="Assessment saved.",
        then=lambda _: redirect(url_for("patients.detail", patient_id=patient.id)),
        page=lambda _: render_template("patients/assessment_form.html", form=form, patient=patient),
    )


@bp.get("/me")
@patient_required
def me() -> ResponseReturnValue:
    """The patient's own profile and account: reminders, calendar link, password, data."""
    patient = current_patient()
    if patient.user_id != current_user.id:
        abort(403)
    return render_template("patients/me.html", patient=patient, **account_context(patient))
