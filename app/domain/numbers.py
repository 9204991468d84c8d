"""Rounding for display: halves up, as people read numbers (round() would make 2.5 a 2)."""

import math
from fractions import Fraction

Number = float | Fraction  # ints are floats to the type checker


def half_up(value: Number) -> int:
    """Return value rounded to a whole number, halves up: 2.5 -> 3, 3.5 -> 4."""
    return math.floor(value + 0.5)


def percent(part: Number, whole: Number) -> int:
    """Return part of whole as a whole percentage, halves up (whole must not be 0)."""
    if isinstance(part, int) and isinstance(whole, int):
        # Whole numbers exactly: 1 of 8 is 12.5%, which shows as 13%.
        return (200 * part + whole) // (2 * whole)
    return half_up(100 * part / whole)
