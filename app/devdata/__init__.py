"""Development and benchmark data: the demo clinic (`flask seed-demo`) and the scale clinic.

Nothing in the product imports this package; the CLI, bench/ and the tests do.
"""


class ScaleError(Exception):
    """The scale data cannot be made; the message says why."""
