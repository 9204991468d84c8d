"""The caseload table's rows as markup, each rendered once per what it shows and kept."""

from datetime import date
from functools import lru_cache
from typing import NamedTuple

from flask import url_for
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from app.dashboard import bp
from app.domain.needs import NEED_SHORT_LABELS, Need
from app.services.caseload import CaseloadRow


class CaseloadRowView(NamedTuple):
    """Everything one table row shows (dashboard/_row.html reads nothing else): the cache key."""

    patient_id: int
    link: str  # the patient's page
    name: str
    need: Need
    needs: tuple[Need, ...]
    has_programme: bool
    outcome_status: str | None
    last_activity: date | None
    adherence_percent: int | None
    latest_pain_day: date | None
    latest_zone: str | None
    latest_during: int | None
    latest_morning: int | None
    pending_suggestions: int
    unread_notes: int
    unread_messages: int
    reminders_on: bool
    reminders_chosen: bool


@bp.app_template_global()
@pass_context
def caseload_row(context: Context, row: CaseloadRow) -> Markup:
    """The table row of one patient (dashboard/_row.html), rendered once per what it shows.

    A page draws 100 rows and most are unchanged since the last request: each costs more to
    render through the template, escape by escape, than the rest of the page.
    """
    view = CaseloadRowView(
        row.patient_id,
        url_for("patients.detail", patient_id=row.patient_id),
        row.name,
        row.need,
        tuple(row.needs),
        row.has_programme,
        row.outcome_status,
        row.last_activity,
        row.adherence_percent,
        row.latest_pain_day,
        row.latest_zone,
        row.latest_during,
        row.latest_morning,
        row.pending_suggestions,
        row.unread_notes,
        row.unread_messages,
        row.reminders_on,
        row.reminders_chosen,
    )
    return _row_markup(context.environment, view)


# Ten physios' caseloads of 200, each row as it last looked; per app's templates (a template
# edited while the server runs shows in rows drawn after a restart).
@lru_cache(maxsize=2048)
def _row_markup(templates: Environment, row: CaseloadRowView) -> Markup:
    template = templates.get_template("dashboard/_row.html")
    return Markup(template.render(row=row, short_labels=NEED_SHORT_LABELS))
