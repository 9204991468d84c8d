"""Log in, log out (POST), invites and password changes."""

import sqlalchemy as sa
from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from app.auth import bp
from app.auth.forms import ChangePasswordForm, InviteCodeForm, LoginForm, SetPasswordForm
from app.domain.errors import Refused
from app.extensions import db, limiter
from app.models import Invite, User
from app.policy import is_safe_next, login_required, public
from app.services import accounts, audit
from app.services.passwords import verify_password
from app.views import submit

BAD_LOGIN = "That email or username and password do not match. Please try again."


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_account_key() -> str:
    # A second limit per account, so spreading guesses over many addresses does not help.
    return "login:" + (request.form.get("login") or "").strip().lower()


def _lockout_limit() -> str:
    return current_app.config["LOGIN_LOCKOUT_LIMIT"]


def _invite_guess_limit() -> str:
    return current_app.config["INVITE_GUESS_LIMIT"]


def _failed_login(response: Response) -> bool:
    return response.status_code == 200  # the form again: wrong login or password


def _wrong_code(response: Response) -> bool:
    return response.status_code == 410  # no usable invite has that code


# Per address: every attempt counts. Per account, a soft lockout: failed attempts count, and
# once over the limit even the right password is refused until the window ends (a minute).
@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(
    _lockout_limit, methods=["POST"], key_func=_login_account_key, deduct_when=_failed_login
)
def login() -> ResponseReturnValue:
    """Log in with email or username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(
            sa.select(User).where(User.login == form.login.data.strip().lower())
        )
        password_ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is None or not password_ok or not user.is_active:
            # End the read transaction now: the lockout counts this failure after the view,
            # and on SQLite an open transaction holds the lock its counter needs.
            db.session.rollback()
            flash(BAD_LOGIN, "error")
            return render_template("auth/login.html", form=form), 200
        accounts.start_session(user)
        login_user(user)
        audit.record(user, "auth.login", "user", user.id)
        db.session.commit()
        target = request.args.get("next")
        return redirect(target if target and is_safe_next(target) else url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Log out (POST only, so a link on another site cannot log you out).

    The login session is deleted, so a copy of this browser's cookie stops working too.
    """
    accounts.end_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


# Codes are 8 letters: besides the limit per address, one limit on wrong codes from everyone
# together, so guessing spread over many addresses runs out too.
_invite_guesses = limiter.shared_limit(
    _invite_guess_limit,
    scope="invite-guesses",
    key_func=lambda: "everyone",
    methods=["POST"],
    deduct_when=_wrong_code,
)


@bp.route("/invite", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@_invite_guesses
def invite_code() -> ResponseReturnValue:
    """Type the short invite code from the physio."""
    form = InviteCodeForm()
    if form.validate_on_submit():
        invite = accounts.find_invite(code=form.code.data)
        if not accounts.invite_is_usable(invite):
            return render_template("auth/invite_invalid.html"), 410
        return _set_password_page(invite, SetPasswordForm(formdata=None), code=form.code.data)
    return render_template("auth/invite_code.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def accept_invite(token: str) -> ResponseReturnValue:
    """Open an invite link and choose a password."""
    invite = accounts.find_invite(token=token)
    if not accounts.invite_is_usable(invite):
        return render_template("auth/invite_invalid.html"), 410
    return _set_password_page(invite, SetPasswordForm())


@bp.post("/invite/code")
@public
@limiter.limit(_login_limit)
@_invite_guesses
def accept_invite_code() -> ResponseReturnValue:
    """Choose a password after typing an invite code (the code rides in a hidden field)."""
    invite = accounts.find_invite(code=request.form.get("code", ""))
    if not accounts.invite_is_usable(invite):
        return render_template("auth/invite_invalid.html"), 410
    return _set_password_page(invite, SetPasswordForm(), code=request.form.get("code", ""))


def _set_password_page(
    invite: Invite, form: SetPasswordForm, code: str | None = None
) -> ResponseReturnValue:
    form.personal = (invite.user.name, invite.user.login)
    if form.validate_on_submit():
        try:
            user = accounts.accept_invite(invite, form.password.data)
        except accounts.InviteAlreadyUsed:
            db.session.rollback()  # another device used it a moment ago: nothing changes
            return render_template("auth/invite_invalid.html", already_used=True), 409
        accounts.start_session(user)
        db.session.commit()
        logout_user()
        login_user(user)
        flash(f"Welcome, {user.name}. Your password is set.", "success")
        return redirect(url_for("main.index"))
    return render_template("auth/set_password.html", form=form, invite=invite, code=code)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change your password; other sessions of the account end."""
    form = ChangePasswordForm()
    form.personal = (current_user.name, current_user.login)

    def change() -> User:
        if not verify_password(current_user.password_hash, form.current.data):
            raise Refused({"current": "That is not your current password."})
        user: User = current_user._get_current_object()
        accounts.set_password(user, form.password.data)  # ends every session
        accounts.start_session(user)  # then opens a new one for this browser
        audit.record(user, "account.password_change", "user", user.id)
        return user

    def signed_in_again(user: User) -> ResponseReturnValue:
        login_user(user)
        return redirect(url_for("main.index"))

    return submit(
        form,
        change,
        done="Your password has been changed.",
        then=signed_in_again,
        page=lambda _: render_template("auth/change_password.html", form=form),
    )
