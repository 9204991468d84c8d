"""The caseload dashboard."""

from typing import Any

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.dashboard import bp
from app.domain.caseload_table import FIRST_DIRECTION, SortColumn, page_of, sort_rows
from app.policy import staff_required
from app.services.caseload import NEED_LABELS, Need, caseload

# The table's columns: (sort key, heading); None: not sortable.
COLUMNS = (
    (SortColumn.NAME, "Patient"),
    (None, "Status"),
    (SortColumn.LAST_ACTIVITY, "Last activity"),
    (SortColumn.ADHERENCE, "This week"),
    (SortColumn.PAIN, "Latest pain"),
    (SortColumn.PENDING, "Pending decisions"),
    (SortColumn.UNREAD, "Unread"),
    (None, "Reminders"),
)
# What each order is called: (ascending, descending).
ORDER_WORDS = {
    SortColumn.NEED: ("most in need first", "least in need first"),
    SortColumn.NAME: ("by name, A to Z", "by name, Z to A"),
    SortColumn.LAST_ACTIVITY: (
        "by last activity, longest ago first",
        "by last activity, latest first",
    ),
    SortColumn.ADHERENCE: (
        "by adherence this week, lowest first",
        "by adherence this week, highest first",
    ),
    SortColumn.PAIN: ("by latest pain, lowest first", "by latest pain, highest first"),
    SortColumn.PENDING: ("by pending decisions, fewest first", "by pending decisions, most first"),
    SortColumn.UNREAD: ("by unread, fewest first", "by unread, most first"),
}


@bp.get("/dashboard")
@staff_required
def index() -> ResponseReturnValue:
    """Patients sorted by need (or by a column), 100 a page, with filters by need and name."""
    need = request.args.get("need") or ""
    search = (request.args.get("q") or "").strip()[:120]
    if need not in {n.value for n in Need}:
        need = ""
    asked = request.args.get("sort", "")
    sort = SortColumn(asked) if asked in set(SortColumn) else SortColumn.NEED
    direction = request.args.get("dir")
    if direction not in ("asc", "desc"):
        direction = FIRST_DIRECTION[sort]
    rows = caseload(current_user, need=need or None, search=search or None)
    page = page_of(
        sort_rows(rows, sort, descending=direction == "desc"),
        request.args.get("page", 1, type=int) or 1,
    )

    def link(**changes: object) -> str:
        """This page's URL with some of its arguments changed (filters, sort, page)."""
        args: dict[str, Any] = {
            "need": need,
            "q": search,
            "sort": sort.value,
            "dir": direction,
            "page": page.number,
            **changes,
        }
        defaults = {"need": "", "q": "", "sort": SortColumn.NEED.value, "page": 1}
        defaults["dir"] = FIRST_DIRECTION[SortColumn(args["sort"])]
        return url_for("dashboard.index", **{k: v for k, v in args.items() if v != defaults[k]})

    def sort_link(column: SortColumn) -> str:
        """Sort by column; a second click on the sorted column turns the order round."""
        if column == sort:
            return link(dir="asc" if direction == "desc" else "desc", page=1)
        return link(sort=column.value, dir=FIRST_DIRECTION[column], page=1)

    return render_template(
        "dashboard/index.html",
        page=page,
        rows=page.rows,
        need=need,
        search=search,
        sort=sort,
        direction=direction,
        columns=COLUMNS,
        order_words=ORDER_WORDS[sort][direction == "desc"],
        sort_choices=[
            (key, words[FIRST_DIRECTION[key] == "desc"]) for key, words in ORDER_WORDS.items()
        ],
        sort_link=sort_link,
        link=link,
        needs=list(Need),
        labels=NEED_LABELS,
    )
