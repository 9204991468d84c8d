"""Property tests: whatever is typed into a form or sent to the API, never a 5xx, and a
rejected request stores nothing (every table is byte-for-byte as it was)."""

import uuid
from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Programme, SyncEvent
from tests.security.test_authorization_matrix import database_digest
from tests.security.world import World

FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,  # nothing written under the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a person (or an attacker) might type: any characters but lone surrogates, which
# cannot be sent as UTF-8 at all.
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
tricky = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "11",
        "10.5",
        "1e9",
        "99999999999999999999",
        "NaN",
        "null",
        "\x00",
        "2999-01-01",
        "1899-12-31",
        "2020-02-30",
        "Europe/London",
        "Mars/Olympus",
        "<b>x</b>",
        "' OR 1=1 --",
        "é" * 200,
    ]
)
value = st.one_of(tricky, any_text, st.integers(-(10**12), 10**12).map(str))


def _refused(response) -> bool:
    return response.status_code in (400, 409, 413, 422)


def _check(client, url: str, form: dict[str, str], accepted: tuple[int, ...]) -> None:
    before = database_digest()
    response = client.post_form(url, form)
    assert response.status_code < 500, (url, form)
    assert response.status_code in accepted or _refused(response), (response.status_code, form)
    if _refused(response):
        assert database_digest() == before, f"a refused POST to {url} stored something: {form}"
        body = response.get_data(as_text=True)
        if response.status_code == 400:  # e.g. a NUL character: the generic error page
            assert "could not be understood" in body
        else:  # a form error names the field
            assert 'class="error' in body or "error-summary" in body or 'role="alert"' in body


@FAST
@given(
    name=value,
    email=value,
    date_of_birth=value,
    timezone=value,
    condition=value,
    affected_side=value,
    goal=value,
    usual_pain=value,
)
def test_patient_form(client, world: World, **form: str):
    client.login_as(world.physio_a)
    _check(client, "/patients/new", form, accepted=(200,))


@FAST
@given(kind=value, assessed_on=value, findings=value, baseline_pain=value, goals=value, notes=value)
def test_assessment_form(client, world: World, **form: str):
    client.login_as(world.physio_a)
    _check(client, f"/patients/{world.patient_a.id}/assessments/new", form, accepted=(302,))


@FAST
@given(
    name=value,
    category=st.one_of(value, st.just("strengthening")),
    body_regions=value,
    target_muscles=value,
    equipment=value,
    position=value,
    level=value,
    sets=value,
    reps=value,
    hold_seconds=value,
    rest_seconds=value,
    side=value,
    times_per_week=value,
    times_per_day=value,
    steps=value,
    cues=value,
    faults=value,
    regression=value,
    progression=value,
)
def test_custom_exercise_form(client, world: World, **form: str):
    client.login_as(world.physio_a)
    _check(client, "/library/new", form, accepted=(302,))


@FAST
@given(
    sets=value,
    reps=value,
    hold_seconds=value,
    duration_seconds=value,
    load_kg=value,
    load_text=value,
    tempo=value,
    rest_seconds=value,
    side=value,
    days=value,
    times_per_week=value,
    times_per_day=value,
    note=value,
    reason=value,
)
def test_programme_dose_form(client, world: World, **form: str):
    client.login_as(world.physio_a)
    programme = db.session.get(Programme, world.programme.id)
    form["version_id"] = str(programme.current_version_id)
    url = f"/patients/{world.patient_a.id}/programmes/{programme.id}/lines/1/dose"
    _check(client, url, form, accepted=(302,))


@FAST
@given(login=value, password=value)
def test_login_form(client, world: World, login: str, password: str):
    response = client.post_form("/login", {"login": login, "password": password})
    assert response.status_code in (200, 400), response.status_code
    assert client.get("/patients").status_code == 302  # nobody got in


# --- The sync API ----------------------------------------------------------------------------

json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=20,
)


def _sync(client, body: object):
    before = db.session.scalar(sa.select(sa.func.count(SyncEvent.id)))
    digest = database_digest()
    response = client.post_json("/api/v1/sync", body)
    assert response.status_code < 500, body
    assert response.is_json
    if response.status_code != 200:
        assert "error" in response.get_json()
        assert database_digest() == digest
        return
    results = response.get_json()["results"]
    stored = [r for r in results if r["status"] in ("applied", "superseded")]
    rejected = [r for r in results if r["status"] == "rejected"]
    assert all(r.get("errors") for r in rejected), "a rejected event must say why"
    after = db.session.scalar(sa.select(sa.func.count(SyncEvent.id)))
    assert after - before == len(stored)


@FAST
@given(body=json_value)
def test_sync_accepts_any_json_without_a_server_error(client, world: World, body: object):
    _sync(client.login_as(world.patient_a.user), body)


def _event(world: World) -> st.SearchStrategy[dict[str, object]]:
    days = [(world.today - timedelta(days=n)).isoformat() for n in (-1, 0, 1, 2, 3)]
    return st.fixed_dictionaries(
        {
            "id": st.one_of(st.uuids().map(str), json_value),
            "type": st.one_of(st.sampled_from(["tick", "untick", "sets", "checkin"]), json_value),
            "client_time": st.one_of(
                st.just("2026-01-01T08:00:00+00:00"), st.datetimes().map(str), json_value
            ),
        },
        optional={
            "local_date": st.one_of(st.sampled_from(days), json_value),
            "session_date": st.one_of(st.sampled_from(days), json_value),
            "line_id": st.one_of(st.integers(-2, 4), json_value),
            "prescription_id": st.one_of(st.integers(-2, 10**6), json_value),
            "session": st.one_of(st.integers(-1, 3), json_value),
            "side": st.one_of(st.sampled_from(["both", "left", "right", "each"]), json_value),
            "sets_done": st.one_of(st.integers(-1, 12), json_value),
            "pain": st.one_of(st.integers(-2, 12), json_value),
            "kind": st.one_of(st.sampled_from(["during", "morning"]), json_value),
            "note": st.one_of(any_text, json_value),
        },
    )


@FAST
@given(data=st.data())
def test_sync_events_store_exactly_the_accepted_ones(client, world: World, data):
    events = data.draw(st.lists(_event(world), max_size=6))
    if events and data.draw(st.booleans()):
        events.append(dict(events[0]))  # the same event twice in one batch
    _sync(client.login_as(world.patient_a.user), {"events": events})


def test_a_batch_of_ten_thousand_events_is_refused_whole(client, world: World):
    event = {"id": str(uuid.uuid4()), "type": "tick", "line_id": 1}
    before = database_digest()
    response = client.login_as(world.patient_a.user).post_json(
        "/api/v1/sync", {"events": [event] * 10_000}
    )
    assert response.status_code == 413 and "events" in response.get_json()["errors"]
    assert database_digest() == before


def test_nul_characters_are_refused_before_they_reach_the_database(client, world: World):
    """PostgreSQL cannot store NUL in text: a 400 up front instead of a 500 at commit."""
    before = database_digest()
    client.login_as(world.physio_a)
    form = {"name": "Nul\x00Name", "date_of_birth": "1980-01-01", "timezone": "Europe/London"}
    assert client.post_form("/patients/new", form).status_code == 400
    assert client.get("/library/?q=a%00b").status_code == 400
    note = {
        "id": str(uuid.uuid4()),
        "type": "checkin",
        "kind": "during",
        "pain": 2,
        "session_date": world.today.isoformat(),
        "note": "x\x00y",
        "client_time": "2026-01-01T08:00:00+00:00",
    }
    response = client.login_as(world.patient_a.user).post_json("/api/v1/sync", {"events": [note]})
    assert response.status_code == 400 and response.is_json
    assert database_digest() == before


# --- Every route, every parameter it reads ---------------------------------------------------
#
# Which query and form parameters each route reads is found by asking it: one request per
# route and method with a MultiDict that notes every name looked up (args and form share
# werkzeug's parameter_storage_class), then again with each name found set to "1". Hypothesis
# then sends hostile values for exactly those names: Unicode digits, huge numbers, dates at
# year 1 and 9999, times at the ends of the calendar, any text. Path ids are also replaced by
# hostile numbers. The answer may be anything but a 5xx.

import pytest  # noqa: E402
from flask import Flask  # noqa: E402
from werkzeug.datastructures import ImmutableMultiDict  # noqa: E402

from app.domain.inputs import ID_MAX  # noqa: E402
from tests.security.test_authorization_matrix import (  # noqa: E402
    expected_for,
    ids_for,
    route_rules,
    undone,
)

_names_read: set[str] = set()


class _NotingMultiDict(ImmutableMultiDict):  # type: ignore[type-arg]
    """A request's args or form that notes each name a view looks up."""

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        _names_read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):  # type: ignore[no-untyped-def]
        _names_read.add(key)
        return super().__contains__(key)

    def getlist(self, key, type=None):  # type: ignore[no-untyped-def]  # noqa: A002
        _names_read.add(key)
        return super().getlist(key, type)


hostile_value = st.one_of(
    tricky,
    st.sampled_from(
        [
            "²",
            "٣",
            "１２",
            "99999999999999999999",
            str(ID_MAX + 1),
            "0001-01-01",
            "9999-12-31",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "/\t/evil.example",
            "%00",
            "up",
            "next",
        ]
    ),
    any_text,
)
hostile_id = st.sampled_from([0, ID_MAX, ID_MAX + 1, 10**20])

# Who asks: someone each route serves (its first "ok" caller), so the view itself runs;
# public pages (login, invites) as a visitor, who gets their forms rather than a redirect.
_CALLER_ORDER = ("anon", "physio_a", "admin_a", "pat_a")


def _caller(world: World, endpoint: str):  # type: ignore[no-untyped-def]
    expected = expected_for(endpoint)
    name = next((c for c in _CALLER_ORDER if expected[c] == "ok"), "anon")
    return world.users[name]


def _send(app: Flask, user, method: str, url: str, params: dict[str, str]):  # type: ignore[no-untyped-def]
    client = app.test_client()
    if user is not None:
        client.login_as(user)
    if method == "GET":
        return client.get(url, query_string=params)
    if url.startswith("/api/"):
        headers = {"X-CSRFToken": client.csrf_token()}
        return client.open(url, method=method, json=params, headers=headers, query_string=params)
    data = {**params, "csrf_token": client.csrf_token()}
    return client.open(url, method=method, data=data, query_string=params)


def _names_of(app: Flask, user, method: str, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    original = app.request_class.parameter_storage_class
    app.request_class.parameter_storage_class = _NotingMultiDict
    try:
        _names_read.clear()
        for _ in range(2):
            with undone():
                _send(app, user, method, url, dict.fromkeys(_names_read, "1")).close()
    finally:
        app.request_class.parameter_storage_class = original
    return sorted(_names_read - {"csrf_token"})


def test_the_sweep_finds_the_parameters_each_route_reads(app: Flask, db, world: World):
    """The sweep below is only as good as its list of names: check it finds them."""
    found = {
        (path, method): _names_of(app, user, method, path)
        for path, method, user in [
            ("/library/", "GET", world.physio_a),
            ("/admin/audit", "GET", world.admin_a),
            ("/login", "POST", None),
            (f"/patients/{world.patient_a.id}/progress", "GET", world.physio_a),
        ]
    }
    assert {"page", "level", "q"} <= set(found["/library/", "GET"])
    assert {"page", "actor", "patient", "action"} <= set(found["/admin/audit", "GET"])
    assert {"login", "password"} <= set(found["/login", "POST"])
    assert {"from", "to"} <= set(found[f"/patients/{world.patient_a.id}/progress", "GET"])


_SWEPT = [r for r in route_rules() if r.endpoint not in ("static", "api.sync")]  # sync: above


@pytest.mark.parametrize("rule", _SWEPT, ids=lambda r: r.endpoint)
def test_every_route_answers_hostile_parameters_without_a_server_error(
    app: Flask, db, world: World, rule
):
    from flask import url_for

    ids = ids_for(world)
    user = _caller(world, rule.endpoint)
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    with app.test_request_context():
        url = url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})
    names = {method: _names_of(app, user, method, url) for method in methods}
    int_args = [arg for arg in rule.arguments if isinstance(ids[arg], int)]

    @settings(FAST, max_examples=15)
    @given(data=st.data())
    def probe(data) -> None:  # type: ignore[no-untyped-def]
        method = data.draw(st.sampled_from(methods))
        params = {name: data.draw(hostile_value, label=name) for name in names[method]}
        target = url
        if int_args and data.draw(st.booleans(), label="hostile id"):
            values = {arg: ids[arg] for arg in rule.arguments}
            values[data.draw(st.sampled_from(int_args))] = data.draw(hostile_id)
            with app.test_request_context():
                target = url_for(rule.endpoint, **values)
        with undone():
            response = _send(app, user, method, target, params)
            response.close()
            assert response.status_code < 500, (method, target, params, response.status_code)

    probe()
