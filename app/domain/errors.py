"""The one error a service raises when it refuses a change: field -> message, nothing saved."""

from collections.abc import Mapping

GENERAL = ""  # the key of a message that belongs to no one field


class Refused(ValueError):
    """A change was refused; .errors maps each field to what is wrong with it.

    A message about the whole change (no one field) is keyed GENERAL. Views show the messages
    by their fields (views.submit does), the API returns them as its "errors" object.
    """

    def __init__(self, errors: Mapping[str, str] | str) -> None:
        self.errors: dict[str, str] = {GENERAL: errors} if isinstance(errors, str) else dict(errors)
        super().__init__(" ".join(self.errors.values()))
