"""Helpers shared by every page: template filters and globals."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user

from app.domain.cautions import caution_texts
from app.domain.library_files import CONDITIONS


def format_date(value: date | None) -> str:
    """A date as people write it: 'Mon 3 Nov 2026'."""
    if value is None:
        return ""
    return f"{value:%a} {value.day} {value:%b %Y}"


def format_datetime(value: datetime | None, timezone: str = "UTC") -> str:
    """An instant in a timezone, e.g. '3 Nov 2026, 07:15'."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%b %Y, %H:%M}"


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


def register_template_helpers(app: Flask) -> None:
    app.add_template_global(cautions_for, "cautions_for")
    app.add_template_filter(condition_label, "condition")
    app.add_template_filter(side_label, "side")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")

    @app.context_processor
    def inject_user() -> dict[str, object]:
        return {"user": current_user}
