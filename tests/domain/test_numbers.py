"""Rounding for display: halves up, whole numbers exact."""

import pytest

from app.domain.numbers import half_up, percent


@pytest.mark.parametrize(
    ("value", "rounded"), [(2.5, 3), (3.5, 4), (2.49, 2), (0.0, 0), (9.5, 10), (4.0, 4)]
)
def test_half_up_rounds_halves_up(value, rounded):
    assert half_up(value) == rounded


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [(1, 8, 13), (1, 3, 33), (2, 3, 67), (0, 5, 0), (5, 5, 100), (1, 200, 1), (0.5, 1, 50)],
)
def test_percent_is_a_whole_percentage_halves_up(part, whole, shown):
    assert percent(part, whole) == shown
