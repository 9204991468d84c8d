"""The caseload as a table: its sortable columns, the order of rows by each, and its pages.

Most in need first is the default order; every other column sorts with empty values (no
activity yet, no pain reported) last whichever the direction, and ties in need order.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from app.domain.needs import NEED_ORDER, Need

PER_PAGE = 100


class SortColumn(StrEnum):
    NEED = "need"
    NAME = "name"
    LAST_ACTIVITY = "last_activity"
    ADHERENCE = "adherence"
    PAIN = "pain"
    PENDING = "pending"
    UNREAD = "unread"


# The direction a first click on a column sorts in: what a physio looks for first.
FIRST_DIRECTION = {
    SortColumn.NEED: "asc",  # most in need first
    SortColumn.NAME: "asc",
    SortColumn.LAST_ACTIVITY: "asc",  # longest silent first
    SortColumn.ADHERENCE: "asc",  # lowest first
    SortColumn.PAIN: "desc",  # worst first
    SortColumn.PENDING: "desc",
    SortColumn.UNREAD: "desc",
}


class CaseloadFacts(Protocol):
    """What the table sorts a row by (services.caseload.CaseloadRow)."""

    @property
    def name(self) -> str: ...
    @property
    def needs(self) -> list[Need]: ...
    @property
    def last_activity(self) -> date | None: ...
    @property
    def adherence_percent(self) -> int | None: ...
    @property
    def latest_pain(self) -> int | None: ...
    @property
    def pending_suggestions(self) -> int: ...
    @property
    def unread(self) -> int: ...


R = TypeVar("R", bound=CaseloadFacts)


def need_rank(row: CaseloadFacts) -> tuple[int, int, str]:
    """Most urgent reason first; with the same one, more reasons first; then by name."""
    need = row.needs[0] if row.needs else Need.FINE
    return NEED_ORDER.index(need), -len(row.needs), row.name.lower()


_VALUES: dict[SortColumn, Callable[[CaseloadFacts], object]] = {
    SortColumn.NAME: lambda r: r.name.lower(),
    SortColumn.LAST_ACTIVITY: lambda r: r.last_activity,
    SortColumn.ADHERENCE: lambda r: r.adherence_percent,
    SortColumn.PAIN: lambda r: r.latest_pain,
    SortColumn.PENDING: lambda r: r.pending_suggestions,
    SortColumn.UNREAD: lambda r: r.unread,
}


def sort_rows(rows: Sequence[R], column: SortColumn, descending: bool = False) -> list[R]:
    """Return the rows in the column's order (empty values last), ties most in need first."""
    by_need = sorted(rows, key=need_rank)
    if column == SortColumn.NEED:
        return by_need[::-1] if descending else by_need
    value_of = _VALUES[column]
    present = [r for r in by_need if value_of(r) is not None]
    empty = [r for r in by_need if value_of(r) is None]
    # The sort is stable (reverse=True too): rows with equal values keep the need order.
    present.sort(key=value_of, reverse=descending)  # type: ignore[arg-type]
    return present + empty


@dataclass(frozen=True)
class Page(Generic[R]):
    """One page of rows, and where it is among all of them (numbers from 1)."""

    rows: list[R]
    number: int
    pages: int
    total: int
    first: int  # the first row's position, 0 when there are none
    last: int


def page_of(rows: Sequence[R], number: int, per_page: int = PER_PAGE) -> Page[R]:
    """Return page `number` of the rows; out of range answers the nearest page."""
    pages = max(1, -(-len(rows) // per_page))
    number = min(max(number, 1), pages)
    start = (number - 1) * per_page
    chosen = list(rows[start : start + per_page])
    return Page(
        chosen,
        number,
        pages,
        len(rows),
        start + 1 if chosen else 0,
        start + len(chosen),
    )
