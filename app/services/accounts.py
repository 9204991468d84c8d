"""Accounts: clinics and staff, creating patients, one-time invites, passwords, login sessions."""

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeGuard

import sqlalchemy as sa
from flask import current_app, g
from sqlalchemy.orm import contains_eager

from app.domain.errors import Refused
from app.domain.localtime import utcnow
from app.extensions import db
from app.models import (
    CalendarFeed,
    Clinic,
    Invite,
    LoginSession,
    Patient,
    Role,
    User,
)
from app.services import audit
from app.services.passwords import hash_password
from app.services.plans import ACTIVE_PLAN_COLUMNS, active_plan_of, with_active_plan

# No 0/O, 1/I/L: the code is read off a screen and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class IssuedInvite:
    """The secrets of a fresh invite: shown once to the physio, only hashes are stored."""

    invite: Invite
    token: str
    code: str

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"


def token_digest(secret: str) -> str:
    """The HMAC (SECRET_KEY) kept of a secret token: invites, login sessions, calendar links."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def normalise_code(code: str) -> str:
    """Make a typed code comparable: upper case, no spaces or dashes."""
    return re.sub(r"[\s-]", "", code).upper()


def _username_for(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z]+", "", ascii_name.split()[0].lower() if ascii_name.split() else "")
    base = (base or "patient")[:20]
    while True:
        candidate = f"{base}-{secrets.randbelow(9000) + 1000}"
        if db.session.scalar(sa.select(User.id).where(User.login == candidate)) is None:
            return candidate


def email_taken(email: str, except_user_id: int | None = None) -> bool:
    """Tell whether an email already belongs to an account."""
    stmt = sa.select(User.id).where(User.login == email.lower())
    if except_user_id is not None:
        stmt = stmt.where(User.id != except_user_id)
    return db.session.scalar(stmt) is not None


@dataclass(frozen=True)
class NewPatient:
    name: str
    email: str | None
    date_of_birth: date
    timezone: str
    condition: str
    affected_side: str
    goal: str
    usual_pain: int | None = None


def create_patient(physio: User, data: NewPatient) -> tuple[Patient, IssuedInvite]:
    """Create a patient account (no password yet) for the physio, with its first invite."""
    email = data.email.lower() if data.email else None
    user = User(
        clinic_id=physio.clinic_id,
        role=Role.PATIENT,
        name=data.name,
        email=email,
        login=email or _username_for(data.name),
    )
    patient = Patient(
        user=user,
        clinic_id=physio.clinic_id,
        physio_id=physio.id,
        date_of_birth=data.date_of_birth,
        timezone=data.timezone,
        condition=data.condition,
        affected_side=data.affected_side,
        goal=data.goal,
        usual_pain=data.usual_pain,
    )
    db.session.add(patient)
    db.session.flush()
    issued = issue_invite(physio, user)
    audit.record(physio, "patient.create", "patient", patient.id, patient_id=patient.id)
    return patient, issued


def issue_invite(issuer: User, user: User) -> IssuedInvite:
    """Make a new invite for the account, revoking any earlier unused one.

    The account's row is locked first (PostgreSQL; SQLite writes one at a time anyway), so
    clicks at once take turns: each revokes the one before, and one link is left usable.
    """
    db.session.execute(sa.select(User.id).where(User.id == user.id).with_for_update())
    now = utcnow()
    for old in db.session.scalars(
        sa.select(Invite).where(
            Invite.user_id == user.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None)
        )
    ):
        old.revoked_at = now
    token = secrets.token_urlsafe(32)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    invite = Invite(
        user_id=user.id,
        created_by_id=issuer.id,
        token_hash=token_digest(token),
        code_hash=token_digest(code),
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITE_DAYS"]),
    )
    db.session.add(invite)
    db.session.flush()
    audit.record(issuer, "invite.issue", "user", user.id)
    return IssuedInvite(invite=invite, token=token, code=code)


def find_invite(*, token: str | None = None, code: str | None = None) -> Invite | None:
    """Find an invite by its link token or its typed code (valid or not)."""
    if token:
        digest = token_digest(token)
        return db.session.scalar(sa.select(Invite).where(Invite.token_hash == digest))
    if code:
        digest = token_digest(normalise_code(code))
        return db.session.scalar(sa.select(Invite).where(Invite.code_hash == digest))
    return None


def invite_is_usable(invite: Invite | None) -> TypeGuard[Invite]:
    """An invite works once, before it expires, unless a newer one replaced it."""
    return (
        invite is not None
        and invite.used_at is None
        and invite.revoked_at is None
        and invite.expires_at > utcnow()
    )


class InviteAlreadyUsed(Refused):
    """Another request used (or replaced) the invite first: this one changes nothing."""


def accept_invite(invite: Invite, password: str) -> User:
    """Set the password from an invite and use the invite up, or raise InviteAlreadyUsed.

    Decided in the database: one conditional UPDATE takes the invite only while it is still
    unused, unrevoked and unexpired, so of several devices submitting at once one wins.
    """
    now = utcnow()
    taken = db.session.scalar(
        sa.update(Invite)
        .where(
            Invite.id == invite.id,
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .values(used_at=now)
        .returning(Invite.id)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        raise InviteAlreadyUsed({"invite": "This invite has already been used."})
    db.session.refresh(invite)
    user = invite.user
    set_password(user, password)
    audit.record(user, "invite.accept", "user", user.id)
    return user


def set_password(user: User, password: str) -> None:
    """Store a new password hash, end every login session and revoke the calendar link.

    The caller starts a fresh session for the browser that changed it, if any.
    """
    user.password_hash = hash_password(password)
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    # A patient's private calendar link stops working too: they make a new one.
    db.session.execute(
        sa.delete(CalendarFeed).where(
            CalendarFeed.patient_id.in_(sa.select(Patient.id).where(Patient.user_id == user.id))
        )
    )
    user.session_token = None


def start_session(user: User) -> None:
    """Open a login session for user, before flask_login.login_user(user).

    A fresh random token goes in the cookie (through user.get_id()), its hash in a new row.
    Sessions past their lifetime, of any account, are deleted at the same time.
    """
    token = secrets.token_urlsafe(32)
    db.session.execute(sa.delete(LoginSession).where(LoginSession.created_at < _session_cutoff()))
    db.session.add(LoginSession(user_id=user.id, token_hash=token_digest(token)))
    user.session_token = token


def end_session(user: User) -> None:
    """End the login session user was loaded for (logging out): its cookie stops working."""
    if user.session_token is not None:
        db.session.execute(
            sa.delete(LoginSession).where(
                LoginSession.token_hash == token_digest(user.session_token)
            )
        )
    user.session_token = None


def _session_user_statement() -> sa.Select[*tuple[Any, ...]]:
    """The one statement session_user runs, built once (building it cost more than running it)."""
    moment = LoginSession.last_seen_at.type

    def bound(name: str) -> sa.BindParameter[datetime]:
        return sa.bindparam(name, type_=moment)

    idle_since = sa.case(
        (User.role == Role.PATIENT, bound("idle_patient")), else_=bound("idle_staff")
    )
    statement = (
        sa.select(User, LoginSession.last_seen_at, *ACTIVE_PLAN_COLUMNS)
        .join(LoginSession, LoginSession.user_id == User.id)
        .outerjoin(Patient, Patient.user_id == User.id)
    )
    return (
        with_active_plan(statement)
        .options(contains_eager(User.patient))
        .where(
            User.id == sa.bindparam("user_id", type_=sa.Integer),
            LoginSession.token_hash == sa.bindparam("digest", type_=sa.String),
            LoginSession.created_at >= bound("cutoff"),
            LoginSession.last_seen_at >= idle_since,
        )
    )


SESSION_USER_STATEMENT = _session_user_statement()


def session_user(user_id: int, token: str) -> User | None:
    """Return the account of a live login session, in one statement.

    A patient's own record and active plan (plans.active_plan: the programme and current
    version, as plain columns) come with it: every patient page needs them.
    """
    now = utcnow()
    digest = token_digest(token)
    config = current_app.config
    row = db.session.execute(
        SESSION_USER_STATEMENT,
        {
            "user_id": user_id,
            "digest": digest,
            "cutoff": now - timedelta(days=config["LOGIN_SESSION_DAYS"]),
            "idle_patient": now - timedelta(hours=config["LOGIN_IDLE_HOURS_PATIENT"]),
            "idle_staff": now - timedelta(hours=config["LOGIN_IDLE_HOURS_STAFF"]),
        },
    ).first()
    if row is None:
        return None
    user, last_seen, *plan = row
    user.session_token = token
    if user.patient is not None:
        user.patient.plan_read = (active_plan_of(tuple(plan)),)
    if last_seen < now - timedelta(minutes=config["LOGIN_TOUCH_MINUTES"]):
        _touch(digest, now)
    return user


def _touch(digest: str, now: datetime) -> None:
    """Note that a session was used (at most every LOGIN_TOUCH_MINUTES: one UPDATE then)."""
    db.session.execute(
        sa.update(LoginSession).where(LoginSession.token_hash == digest).values(last_seen_at=now)
    )
    g.login_session_touched = True


def session_touch_pending() -> bool:
    """Tell (once) whether this request noted a session's use that waits for a commit."""
    return bool(g.pop("login_session_touched", False))


def _session_cutoff() -> datetime:
    return utcnow() - timedelta(days=current_app.config["LOGIN_SESSION_DAYS"])


# --- Clinics and staff (issue 18: the first account, then staff invited like patients) --------

STAFF_ROLES = (Role.PHYSIO, Role.ADMIN)


def create_clinic(name: str, admin_name: str, admin_email: str) -> User:
    """Create a clinic and its first admin (no password yet: set one or issue an invite)."""
    email = admin_email.strip().lower()
    if email_taken(email):
        raise ValueError(f"An account with the email {email} already exists.")
    clinic = Clinic(name=name.strip())
    db.session.add(clinic)
    db.session.flush()
    admin = User(
        clinic_id=clinic.id, role=Role.ADMIN, name=admin_name.strip(), email=email, login=email
    )
    db.session.add(admin)
    db.session.flush()
    audit.record(admin, "clinic.create", "clinic", clinic.id)
    return admin


def create_staff(admin: User, name: str, email: str, role: str) -> tuple[User, IssuedInvite]:
    """Add a physio (or another admin) to the admin's clinic, with their first invite."""
    if role not in STAFF_ROLES:
        raise ValueError(f"not a staff role: {role}")
    email = email.strip().lower()
    user = User(clinic_id=admin.clinic_id, role=role, name=name.strip(), email=email, login=email)
    db.session.add(user)
    db.session.flush()
    audit.record(admin, "staff.create", "user", user.id, role=role)
    return user, issue_invite(admin, user)


def clinic_staff(clinic_id: int) -> list[User]:
    """The clinic's physios and admins, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.clinic_id == clinic_id, User.role.in_(STAFF_ROLES))
            .order_by(User.name, User.id)
        )
    )
