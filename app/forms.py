"""The one form base and the request's CSRF token (Flask-WTF's, signed once per session)."""

from functools import lru_cache

from flask import current_app, g, session
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf
from itsdangerous import URLSafeTimedSerializer
from wtforms import Field

FIELD = "csrf_token"  # WTF_CSRF_FIELD_NAME's default: the session's key and g's, as Flask-WTF's


def csrf_token() -> str:
    """The request's CSRF token: templates' csrf_token(), and every form's hidden field.

    Flask-WTF signs the session's secret token afresh for every request (generate_csrf).
    Stride's tokens do not expire apart from the session (WTF_CSRF_TIME_LIMIT None), so the
    signed token of a session is the same whenever it was signed: it is signed once per
    worker and kept. Any other setting is left to Flask-WTF.
    """
    token = g.get(FIELD)
    if token is not None:
        return token
    config = current_app.config
    raw = session.get(FIELD)
    if (
        raw is None  # a new session's first token
        or config["WTF_CSRF_TIME_LIMIT"] is not None  # tokens that expire
        or config.get("WTF_CSRF_FIELD_NAME", FIELD) != FIELD
    ):
        return generate_csrf()
    token = _signed(config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)
    setattr(g, FIELD, token)
    return token


# A worker's sessions (one entry each: a 54-character token), by the key, so a new key signs
# anew.
@lru_cache(maxsize=4096)
def _signed(secret: str | bytes, raw: str) -> str:
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


class _KeptTokenCSRF(_FlaskFormCSRF):
    """Flask-WTF's form CSRF (its check included), with the token from csrf_token()."""

    def generate_csrf_token(self, csrf_token_field: Field) -> str:
        return csrf_token()


class Form(FlaskForm):
    """Every Stride form: a Flask-WTF form whose CSRF token is csrf_token()."""

    class Meta:
        csrf_class = _KeptTokenCSRF
