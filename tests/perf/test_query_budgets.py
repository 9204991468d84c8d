"""Query budgets: each hot request runs a fixed number of SQL statements, whatever the data size.

Each test seeds the real scale seeder at two sizes (5 patients x 7 days, then 50 x 365) in
turn, inside a savepoint, and counts the statements of one request at each: the counts must
be equal and within the budget. The first request of each size warms caches and is not
counted: among them the plan versions in force, which a patient's first request of the day
in each worker reads with one statement more (tests/today/test_plan_cache.py).
"""

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.localtime import local_today

TODAY_BUDGET = 6
# 7: the sync queues the suggestion refresh for the worker (one INSERT) instead of running
# its ten or so statements in the web worker after the response.
SYNC_BUDGET = 7
DASHBOARD_BUDGET = 8
CHARTS_BUDGET = 5  # staff: 4, patient: 2 (a worker reads the plan once: plans.kept_plans_in_force)
SIZES = ((5, 7), (50, 365))


def _statements(db, seed_scale, query_counter, client, prepare: Callable) -> dict:  # type: ignore[no-untyped-def]
    """Return {size: [statements]} of one request against each size of clinic.

    prepare(client, world) signs in and returns the request to count, as a function of the
    client; everything it reads from the test's own session is read before counting starts.
    """
    counts = {}
    for size in SIZES:
        savepoint = db.session.begin_nested()
        try:
            world = seed_scale(*size)
            send = prepare(client, world)
            send(client).close()
            with query_counter() as statements:
                response = send(client)
            # Work the request deferred runs when its response is closed: not the request's.
            response.close()
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            counts[size] = list(statements)
        finally:
            savepoint.rollback()
            db.session.expire_all()
    return counts


def _check(counts: dict, budget: int) -> None:
    small, large = (counts[size] for size in SIZES)
    listing = "\n".join(f"{n}. {' '.join(sql.split())[:200]}" for n, sql in enumerate(large, 1))
    assert len(small) == len(large), (
        f"{len(small)} statements small, {len(large)} large:\n{listing}"
    )
    assert len(large) <= budget, f"{len(large)} statements, budget {budget}:\n{listing}"


def _get_as(who: str, url: Callable) -> Callable:
    """A prepare() that signs in as the world's patient or physio and GETs url(world)."""

    def prepare(client, world):  # type: ignore[no-untyped-def]
        client.login_as(world.patient.user if who == "patient" else world.physio)
        target = url(world)
        return lambda c: c.get(target)

    return prepare


def test_today_page_statements_stay_flat(db, seed_scale, query_counter, client):  # type: ignore[no-untyped-def]
    prepare = _get_as("patient", lambda w: "/today")
    _check(_statements(db, seed_scale, query_counter, client, prepare), TODAY_BUDGET)


def test_today_api_statements_stay_flat(db, seed_scale, query_counter, client):  # type: ignore[no-untyped-def]
    prepare = _get_as("patient", lambda w: "/api/v1/today")
    _check(_statements(db, seed_scale, query_counter, client, prepare), TODAY_BUDGET)


def _events(client, count: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """`count` valid events for the signed-in patient: ticks and unticks of the units due
    today and on the catch-up days, and a check-in every tenth, each with a fresh UUID."""
    today = date.fromisoformat(client.get("/api/v1/today").get_json()["today"])
    units = []
    for offset in range(3):
        day = (today - timedelta(days=offset)).isoformat()
        body = client.get(f"/api/v1/today?date={day}").get_json()
        units += [
            (day, item["line_id"], unit["session"], unit["side"])
            for item in body["items"]
            for unit in item["units"]
        ]
    events = []
    now = datetime.now(UTC)
    for n in range(count):
        when = (now - timedelta(seconds=count - n)).isoformat()
        if n % 10 == 9 or not units:
            events.append(
                {"id": str(uuid.uuid4()), "type": "checkin", "kind": "during", "client_time": when,
                 "session_date": (today - timedelta(days=n % 3)).isoformat(), "pain": n % 6}
            )  # fmt: skip
            continue
        day, line_id, session, side = units[n % len(units)]
        events.append(
            {"id": str(uuid.uuid4()), "type": "tick" if n % 3 else "untick", "client_time": when,
             "local_date": day, "line_id": line_id, "session": session, "side": side}
        )  # fmt: skip
    return events


def _sync_prepare(batch: int) -> Callable:
    def prepare(client, world):  # type: ignore[no-untyped-def]
        client.login_as(world.patient.user)
        headers = {"X-CSRFToken": client.csrf_token()}
        # Each call sends new events (fresh UUIDs), made before the request is counted.
        batches = [_events(client, batch), _events(client, batch)]
        return lambda c: c.post(
            "/api/v1/sync", json={"events": batches.pop(0)}, headers=headers, buffered=False
        )

    return prepare


@pytest.mark.parametrize("batch", [1, 50])
def test_sync_statements_stay_flat(batch, db, seed_scale, query_counter, client):  # type: ignore[no-untyped-def]
    _check(_statements(db, seed_scale, query_counter, client, _sync_prepare(batch)), SYNC_BUDGET)


@pytest.mark.parametrize("url", ["/dashboard", "/dashboard?q=a&sort=pain&page=2&need=fine"])
def test_dashboard_statements_stay_flat(url, db, seed_scale, query_counter, client):  # type: ignore[no-untyped-def]
    # The second request of each size finds the week's due units and statements kept: the
    # plans statement still runs (with no patients), so the count is the same either way.
    prepare = _get_as("physio", lambda w: url)
    _check(_statements(db, seed_scale, query_counter, client, prepare), DASHBOARD_BUDGET)


def _year(world) -> str:  # type: ignore[no-untyped-def]
    today = local_today(world.patient.timezone)
    return f"from={today - timedelta(days=364)}&to={today}"


def test_staff_chart_data_statements_stay_flat(db, seed_scale, query_counter, client):  # type: ignore[no-untyped-def]
    prepare = _get_as("physio", lambda w: f"/patients/{w.patient.id}/charts.json?{_year(w)}")
    _check(_statements(db, seed_scale, query_counter, client, prepare), CHARTS_BUDGET)


def test_patient_chart_data_statements_stay_flat(db, seed_scale, query_counter, client):  # type: ignore[no-untyped-def]
    prepare = _get_as("patient", lambda w: f"/progress/charts.json?{_year(w)}")
    _check(_statements(db, seed_scale, query_counter, client, prepare), CHARTS_BUDGET)
