"""The caseload table's orders and pages."""

from dataclasses import dataclass, field
from datetime import date

import pytest

from app.domain.caseload_table import SortColumn, page_of, sort_rows
from app.domain.needs import Need


@dataclass
class Row:
    name: str
    needs: list[Need] = field(default_factory=list)
    last_activity: date | None = None
    adherence_percent: int | None = None
    latest_pain: int | None = None
    pending_suggestions: int = 0
    unread: int = 0


ROWS = [
    Row("Ann", [], date(2026, 12, 1), 100, 1, 0, 0),
    Row("bob", [Need.LOW_ADHERENCE], date(2026, 11, 30), 40, 3, 0, 2),
    Row("Cat", [Need.SILENT, Need.LOW_ADHERENCE], None, None, None, 0, 0),
    Row("Dan", [Need.SUGGESTION], date(2026, 12, 1), 90, 3, 2, 5),
    Row("Eve", [Need.RED], date(2026, 12, 2), 80, 7, 1, 0),
]


@pytest.mark.parametrize(
    ("column", "descending", "expected"),
    [
        (SortColumn.NEED, False, ["Eve", "Dan", "Cat", "bob", "Ann"]),
        (SortColumn.NEED, True, ["Ann", "bob", "Cat", "Dan", "Eve"]),
        (SortColumn.NAME, False, ["Ann", "bob", "Cat", "Dan", "Eve"]),  # case does not matter
        (SortColumn.NAME, True, ["Eve", "Dan", "Cat", "bob", "Ann"]),
        # Longest ago first; ties (Ann, Dan on the 1st) most in need first; never active last.
        (SortColumn.LAST_ACTIVITY, False, ["bob", "Dan", "Ann", "Eve", "Cat"]),
        (SortColumn.LAST_ACTIVITY, True, ["Eve", "Dan", "Ann", "bob", "Cat"]),
        (SortColumn.ADHERENCE, False, ["bob", "Eve", "Dan", "Ann", "Cat"]),
        (SortColumn.PAIN, True, ["Eve", "Dan", "bob", "Ann", "Cat"]),  # no pain reported: last
        (SortColumn.PENDING, True, ["Dan", "Eve", "Cat", "bob", "Ann"]),
        (SortColumn.UNREAD, True, ["Dan", "bob", "Eve", "Cat", "Ann"]),
    ],
)
def test_caseload_sorts_by_each_column_with_empty_values_last(column, descending, expected):
    assert [r.name for r in sort_rows(ROWS, column, descending)] == expected


@pytest.mark.parametrize(
    ("total", "asked", "number", "pages", "first", "last"),
    [
        (0, 1, 1, 1, 0, 0),
        (60, 1, 1, 1, 1, 60),
        (100, 1, 1, 1, 1, 100),
        (101, 1, 1, 2, 1, 100),
        (101, 2, 2, 2, 101, 101),
        (250, 3, 3, 3, 201, 250),
        (250, 9, 3, 3, 201, 250),  # past the end: the last page
        (250, -1, 1, 3, 1, 100),  # before the start: the first page
    ],
)
def test_caseload_is_paged_by_100(total, asked, number, pages, first, last):
    page = page_of(list(range(total)), asked)
    assert (page.number, page.pages, page.first, page.last, page.total) == (
        number,
        pages,
        first,
        last,
        total,
    )
    assert len(page.rows) == (last - first + 1 if total else 0)
