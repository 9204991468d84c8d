"""Audit log viewer, staff and their invites, patient deletion: clinic admins, own clinic only."""

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.admin import bp
from app.admin.forms import DeletePatientForm, StaffForm
from app.domain.errors import Refused
from app.domain.inputs import ID_MAX, PAGE_MAX
from app.extensions import db
from app.forms import Form
from app.models import AuditEvent, Patient, User
from app.policy import admin_required, get_or_404, staff_member_or_404
from app.services import accounts, audit, data_rights
from app.views import external_url, number_arg, submit

PAGE_SIZE = 50


def _int_arg(name: str) -> int | None:
    return number_arg(name, high=PAGE_MAX if name == "page" else ID_MAX)


@bp.get("/audit")
@admin_required
def audit_log() -> ResponseReturnValue:
    """The clinic's audit trail, newest first, filtered by actor, action and patient."""
    actor_id = _int_arg("actor")
    patient_ref = _int_arg("patient")
    action = request.args.get("action", "")[:64]
    page = max(_int_arg("page") or 1, 1)

    where = [AuditEvent.clinic_id == current_user.clinic_id]
    if actor_id is not None:
        where.append(AuditEvent.actor_id == actor_id)
    if action:
        where.append(AuditEvent.action == action)
    if patient_ref is not None:
        where.append(AuditEvent.patient_ref == patient_ref)
    total = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(*where)) or 0
    events = db.session.execute(
        sa.select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(*where)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()

    staff_and_patients = db.session.execute(
        sa.select(User.id, User.name, User.role)
        .where(User.clinic_id == current_user.clinic_id)
        .order_by(User.name)
    ).all()
    patient_names = {
        row.id: row.name
        for row in db.session.execute(
            sa.select(Patient.id, User.name)
            .join(User, User.id == Patient.user_id)
            .where(Patient.clinic_id == current_user.clinic_id)
            .order_by(User.name)
        )
    }
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.clinic_id == current_user.clinic_id)
        .distinct()
        .order_by(AuditEvent.action)
    ).all()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    filters = {"actor": actor_id, "action": action or None, "patient": patient_ref}
    return render_template(
        "admin/audit.html",
        events=events,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        query={key: value for key, value in filters.items() if value is not None},
        actors=staff_and_patients,
        actions=actions,
        patient_names=patient_names,
    )


@bp.route("/patients/<int:patient_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_patient(patient_id: int) -> ResponseReturnValue:
    """Show what deleting a patient removes; delete it all once their name is typed."""
    patient = get_or_404(current_user, Patient, patient_id)
    name = patient.user.name
    plan = data_rights.deletion_plan(patient)
    form = DeletePatientForm()

    def delete() -> None:
        if form.confirm_name.data.strip().casefold() != name.strip().casefold():
            raise Refused({"confirm_name": "That is not the patient's name: nothing was deleted."})
        data_rights.delete_patient(patient)
        audit.record(
            current_user,
            "patient.delete",
            "patient",
            patient_id,
            patient_id=patient_id,
            rows=sum(plan.counts.values()),
        )

    return submit(
        form,
        delete,
        done=f"{name} and all their data have been deleted.",
        then=lambda _: redirect(url_for("patients.index")),
        page=lambda _: render_template(
            "admin/delete_patient.html", form=form, patient=patient, name=name, plan=plan
        ),
    )


@bp.get("/staff")
@admin_required
def staff() -> ResponseReturnValue:
    """The clinic's physios and admins, with who has not accepted their invite yet."""
    return render_template(
        "admin/staff.html", staff=accounts.clinic_staff(current_user.clinic_id), form=Form()
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
def staff_new() -> ResponseReturnValue:
    """Add a physio (or an admin) and show their invite link and code once."""
    form = StaffForm()
    return submit(
        form,
        lambda: accounts.create_staff(
            current_user, form.name.data, form.email.data, form.role.data
        ),
        done=None,
        then=lambda created: _show_staff_invite(*created, created=True),
        page=lambda _: render_template("admin/staff_new.html", form=form),
    )


@bp.post("/staff/<int:user_id>/invite")
@admin_required
def staff_invite(user_id: int) -> ResponseReturnValue:
    """A new invite for a staff member (also their password reset); older ones stop working."""
    member = staff_member_or_404(current_user, user_id)
    return submit(
        Form(),
        lambda: accounts.issue_invite(current_user, member),
        done=None,
        then=lambda issued: _show_staff_invite(member, issued),
    )


def _show_staff_invite(member: User, issued: accounts.IssuedInvite, created: bool = False) -> str:
    return render_template(
        "admin/staff_invite.html",
        member=member,
        link=external_url("auth.accept_invite", token=issued.token),
        code_url=external_url("auth.invite_code"),
        code=issued.display_code,
        expires_at=issued.invite.expires_at,
        created=created,
    )
