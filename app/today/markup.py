"""Markup the day page repeats many times, built once in Python and kept (it never changes)."""

from functools import lru_cache

from markupsafe import Markup, escape

from app.today import bp

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
