"""The upload form and the removal confirmation."""

from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired

from app.domain import media as rules
from app.forms import Form


class UploadForm(Form):
    """One photo or video and its description; the service checks both (domain.media)."""

    file = FileField(
        "Photo or video",
        description=rules.LIMITS_TEXT,
        render_kw={"accept": rules.ACCEPT},
    )
    description = StringField(
        "Short description",
        description="What it shows, in a few words: read aloud to people who cannot see it.",
        render_kw={"maxlength": rules.DESCRIPTION_MAX_CHARS, "autocomplete": "off"},
    )


class RemoveMediaForm(Form):
    """Removing asks for a tick, so a stray click deletes nothing."""

    confirm = BooleanField(
        "Yes, remove this photo or video",
        validators=[DataRequired("Tick the box to confirm.")],
    )
