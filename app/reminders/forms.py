"""The reminder choice on the patient's Account page, and its calendar link buttons."""

from wtforms import BooleanField, TimeField
from wtforms.validators import InputRequired, Optional

from app.domain.reminders import DEFAULT_EVENING, MAX_TIMES
from app.forms import Form

TIME_FORMAT = "%H:%M"
TIME_MESSAGE = "Give a time such as 09:00."


class ReminderForm(Form):
    """Reminders on or off, up to MAX_TIMES times a day, and the evening nudge."""

    enabled = BooleanField("Send me reminders on my exercise days")
    evening_nudge = BooleanField(
        "Also remind me in the evening if the day is not done",
    )
    evening_time = TimeField(
        "Evening reminder at",
        format=TIME_FORMAT,
        default=DEFAULT_EVENING,
        validators=[InputRequired(TIME_MESSAGE)],
    )

    @property
    def time_fields(self) -> list[TimeField]:
        return [getattr(self, f"time_{n}") for n in range(1, MAX_TIMES + 1)]

    def times_text(self) -> str:
        """The times filled in, as domain.reminders.parse_times reads them."""
        return ",".join(f"{f.data:%H:%M}" for f in self.time_fields if f.data is not None)


for _n in range(1, MAX_TIMES + 1):
    setattr(
        ReminderForm,
        f"time_{_n}",
        TimeField(
            f"Reminder {_n}",
            format=TIME_FORMAT,
            validators=[Optional()],
            render_kw={"autocomplete": "off"},
        ),
    )
