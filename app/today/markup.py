"""Markup of the day page built once and kept: what never changes, and each exercise card."""

import uuid
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from flask import url_for
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app.forms import csrf_token
from app.models import Media
from app.services.activity import ItemView
from app.today import bp
from app.views import TOKEN_STAND_IN

PAIN_LEVELS = range(11)  # 0 no pain .. 10 worst imaginable


@bp.app_template_global()
@lru_cache(maxsize=1024)  # a prefix per exercise line and check-in, times the chosen level
def pain_options(prefix: str, checked: int | None) -> Markup:
    """The 0-10 radio buttons of a pain scale (today/_pain_scale.html), one chosen or none.

    The page draws a scale for every exercise and check-in: eleven options each, which cost
    more to render through the template, escape by escape, than the rest of the form.
    """
    safe = escape(prefix)
    return Markup(
        "".join(
            f'<label class="pain-option pain-{n}">'
            f'<input type="radio" name="pain" value="{n}" id="{safe}-{n}" '
            f'data-testid="{safe}-{n}"{" checked" if checked == n else ""}>'
            f"<span>{n}</span></label>\n"
            for n in PAIN_LEVELS
        )
    )


class MediaShown(NamedTuple):
    """What a card shows of one photo or video (media/_figures.html reads nothing else)."""

    id: int
    is_video: bool
    description: str
    width: int | None
    height: int | None
    patient_id: int | None


# What each request makes afresh in a card's forms, kept in the card as stand-ins (with the
# CSRF token's, views.TOKEN_STAND_IN): NUL never reaches the text a card shows.
_NEW_ID = "\x00event-id\x00"


@bp.app_template_global()
@pass_context
def exercise_card(context: Context, item: ItemView, day: str, media: Iterable[Media]) -> Markup:
    """One exercise card of the day page (today/_card.html), rendered once per what it shows.

    A day page draws four to nine cards, each with its own forms, and costs most of its
    rendering there; a patient opening the page again sees the same cards, but for the one
    just ticked. Kept by the ItemView (everything the card shows), the day and the media, so
    an edit anywhere in them draws the card afresh. Each request puts in its CSRF token and a
    new event id per form (the phone's resend of a form is then a duplicate, not a new tick).
    """
    shown = tuple(
        MediaShown(m.id, m.is_video, m.description, m.width, m.height, m.patient_id) for m in media
    )
    kept = _card_markup(context.environment, item, day, shown)
    first, *rest = kept.replace(TOKEN_STAND_IN, csrf_token()).split(_NEW_ID)
    return Markup(first + "".join(str(uuid.uuid4()) + part for part in rest))


# Cards as they last looked: a worker's patients of the day, a few states each (the bench
# patient's four are 12-20 KB each with their figures, so this is 25-40 MB at most). Per
# app's templates, as the dashboard's rows (a template edited while the server runs shows in
# cards drawn after a restart).
@lru_cache(maxsize=2048)
def _card_markup(
    templates: Environment, item: ItemView, day: str, media: tuple[MediaShown, ...]
) -> str:
    template = templates.get_template("today/_card.html")
    return template.render(
        item=item,
        day=day,
        media=media,
        action=url_for("today.events"),
        new_id=lambda: _NEW_ID,
        token=lambda: TOKEN_STAND_IN,
    )
