"""Helpers shared by every page: the one form-submit helper, template filters and globals."""

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from flask import Flask, abort, current_app, flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from app.domain.cautions import caution_texts
from app.domain.errors import GENERAL, Refused
from app.domain.events import PAGE_SCHEMA
from app.domain.inputs import ID_MAX, whole_number
from app.domain.library_files import CONDITIONS
from app.domain.localtime import format_date, format_datetime, format_short_date
from app.domain.plan_draft import phase_label
from app.extensions import db
from app.forms import Form, csrf_token
from app.models import Role

T = TypeVar("T")


def submit(
    form: Form,
    change: Callable[[], T],
    *,
    done: str | Callable[[T], str] | None,
    then: Callable[[T], ResponseReturnValue],
    page: Callable[[list[str]], str] | None = None,
    back: Callable[[], ResponseReturnValue] | None = None,
    fields: Mapping[str, str] | None = None,
    refused: Callable[[Refused], ResponseReturnValue | None] | None = None,
) -> ResponseReturnValue:
    """Validate the form, make the change, then commit it or roll it back, and answer.

    Saved: commit, flash done (a text, or made from the result) and answer then(result).
    Refused (the change raised Refused): roll back, and answer as for a form that is not
    valid: re-render page(messages for no field) with the other messages by their fields,
    422 on a POST and 200 on a GET; or, for a button with no page of its own, flash every
    message and answer back(); or, with neither, answer 400. fields maps an error key to
    its form field where their names differ. refused, when given, may answer a refusal its
    own way first (a 409 page for a stale decision); when it returns None, answer as above.
    """
    general: list[str] = []
    if form.validate_on_submit():
        try:
            result = change()
        except Refused as refusal:
            db.session.rollback()
            answer = refused(refusal) if refused is not None else None
            if answer is not None:
                return answer
            general = attach_errors(form, refusal.errors, fields or {})
        else:
            db.session.commit()
            if done:
                flash(done(result) if callable(done) else done, "success")
            return then(result)
    if page is not None:
        return page(general), 422 if request.method == "POST" else 200
    if back is None:
        abort(400)  # a button of a page that only a forged or expired form gets wrong
    for message in [m for messages in form.errors.values() for m in messages] + general:
        flash(message, "error")
    return back()


def attach_errors(form: Form, errors: Mapping[str, str], fields: Mapping[str, str]) -> list[str]:
    """Put each message by its visible form field; return those that belong to none."""
    general = []
    for key, message in errors.items():
        field = getattr(form, fields.get(key, key), None) if key != GENERAL else None
        if field is None or not hasattr(field, "errors") or field.type == "HiddenField":
            general.append(message)
        else:
            field.errors = [*field.errors, message]
    return general


def number_arg(name: str, *, low: int = 1, high: int = ID_MAX, form: bool = False) -> int | None:
    """Read ?name= (or, with form=True, a posted field) as a whole number, None when absent.

    ASCII digits within [low, high] only; anything else raises Refused, which the app answers
    with 400 and the message by the field (app/input_limits.py).
    """
    source = request.form if form else request.args
    return whole_number(source.get(name), name, low=low, high=high)


def external_url(endpoint: str, **values: Any) -> str:
    """A link to send to someone (an invite): EXTERNAL_URL and the path, never the Host header.

    The Host header is the client's to choose: a link built from it ("Host: evil.example")
    would send a patient's invite to another site.
    """
    return current_app.config["EXTERNAL_URL"].rstrip("/") + url_for(endpoint, **values)


def condition_label(key: str | None) -> str:
    """A condition id as people say it: 'fai' -> 'FAI (hip impingement)'."""
    if not key:
        return "Any condition"
    if key == "other":
        return "Other"
    return CONDITIONS.get(key, key.replace("-", " ").capitalize())


def side_label(side: str) -> str:
    """An affected side in words."""
    return {"none": "no particular side", "both": "both sides"}.get(side, f"{side} side")


def cautions_for(exercise: object, condition: str | None) -> list[str]:
    """The exercise's caution texts that apply to a patient's condition (e.g. compression)."""
    return caution_texts(getattr(exercise, "cautions", None), condition)


# A request's CSRF token in markup kept across requests (the layout's logout form, the day
# page's cards), filled in by each request. NUL never reaches the text a page shows
# (policy.refuse_nul_characters refuses it in any input).
TOKEN_STAND_IN = "\x00csrf-token\x00"


class Chrome(NamedTuple):
    """What the layout's kept parts show of the signed-in account (all false: no one), as the
    account's own properties (User.is_patient, User.is_staff) tell it."""

    signed_in: bool
    is_patient: bool
    is_staff: bool
    is_admin: bool
    patient_id: int | None
    unread: int  # staff messages the patient has not read (the menu's badge)


class SiteChrome(NamedTuple):
    """The layout's parts around a page's own blocks (templates/_chrome.html)."""

    head: Markup
    header: Markup
    notes: Markup
    install: Markup


@pass_context
def site_chrome(context: Context) -> SiteChrome:
    """The layout's head links, header and menus, patient notes and install banner.

    Every page draws them, and they depend only on who is signed in: rendered once per
    Chrome (and script root, which the links start with) and kept, they cost a page a
    lookup and the logout form's token instead of some thirty links and tests.
    """
    user = context["user"]
    if user.is_authenticated:
        patient = user.patient
        chrome = Chrome(
            signed_in=True,
            is_patient=user.is_patient,
            is_staff=user.is_staff,
            is_admin=user.role == Role.ADMIN,
            patient_id=patient.id if patient else None,
            unread=patient.unread_staff_messages if patient else 0,
        )
    else:
        chrome = Chrome(False, False, False, False, None, 0)
    kept = _chrome_markup(context.environment, request.script_root, chrome)
    return kept._replace(header=Markup(kept.header.replace(TOKEN_STAND_IN, csrf_token())))


# Per app's templates (as the day page's cards), by script root and account: a worker's
# patients, 2.5 KB each (a staff account's 1.2 KB, signed out 0.5 KB).
@lru_cache(maxsize=4096)
def _chrome_markup(templates: Environment, _script_root: str, chrome: Chrome) -> SiteChrome:
    parts: Any = templates.get_template("_chrome.html").make_module({"event_schema": PAGE_SCHEMA})
    return SiteChrome(
        head=parts.head(chrome),
        header=parts.header(chrome, TOKEN_STAND_IN),
        notes=parts.notes(chrome),
        install=parts.install(chrome),
    )


def register_template_helpers(app: Flask) -> None:
    app.add_template_global(csrf_token, "csrf_token")  # in place of Flask-WTF's own
    app.add_template_global(site_chrome, "site_chrome")
    app.add_template_global(cautions_for, "cautions_for")
    app.add_template_global(external_url, "external_url")
    app.add_template_global(phase_label, "phase_label")
    app.add_template_filter(condition_label, "condition")
    app.add_template_filter(side_label, "side")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_short_date, "short_date")

    @app.context_processor
    def inject_user() -> dict[str, object]:
        # The user itself, not the proxy: every attribute read through current_user goes
        # through Flask-Login's lookup again.
        return {"user": current_user._get_current_object()}
