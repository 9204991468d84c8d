"""Every route, every kind of caller: who is served, sent to log in, refused or told "not found".

The table below declares the expected answer of every endpoint in the url map for seven
callers. URLs are built with the ids of patient A's objects (tests/security/world.py). A route
without a row fails test_every_route_has_a_declared_rule, naming the route.

Outcomes:
  ok     served: any answer but the four below (2xx, 3xx, or a 4xx about the input itself)
  login  401, or a redirect to /login?next=...
  403    refused for the caller's role
  404    hidden: the object is out of the caller's scope, so it "does not exist"
Every method of a route is tried (GET for reads; POST etc. with a valid CSRF token and an
empty body); a refused write must leave every table exactly as it was.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from werkzeug.routing import Rule

from app import create_app
from app.extensions import db
from tests.security.html_checks import inline_code
from tests.security.world import World

CALLERS = ("anon", "pat_a", "pat_b", "physio_a", "physio_x", "admin_a", "admin_b")
# Columns: anonymous, patient A, patient B, A's physio, another physio of the clinic,
# the clinic's admin, another clinic's admin.
# fmt: off
#                                          anon  pat_a pat_b physio_a physio_x admin_a admin_b
EXPECTED: dict[str, str] = {
    "static":                               "ok    ok    ok    ok       ok       ok      ok",
    "main.index":                           "ok    ok    ok    ok       ok       ok      ok",
    "main.healthz":                         "ok    ok    ok    ok       ok       ok      ok",
    "main.readyz":                          "ok    ok    ok    ok       ok       ok      ok",
    "auth.login":                           "ok    ok    ok    ok       ok       ok      ok",
    "auth.logout":                          "login ok    ok    ok       ok       ok      ok",
    "auth.change_password":                 "login ok    ok    ok       ok       ok      ok",
    "auth.invite_code":                     "ok    ok    ok    ok       ok       ok      ok",
    "auth.accept_invite":                   "ok    ok    ok    ok       ok       ok      ok",
    "auth.accept_invite_code":              "ok    ok    ok    ok       ok       ok      ok",
    "today.manifest":                       "ok    ok    ok    ok       ok       ok      ok",
    "today.service_worker":                 "ok    ok    ok    ok       ok       ok      ok",
    "api.openapi":                          "ok    ok    ok    ok       ok       ok      ok",
    # The patient's own pages: the data is always the caller's own.
    "patients.me":                          "login ok    ok    403      403      403     403",
    "my_data.index":                        "login ok    ok    403      403      403     403",
    "my_data.export_json":                  "login ok    ok    403      403      403     403",
    "my_data.export_csv":                   "login ok    ok    403      403      403     403",
    "programmes.my_plan":                   "login ok    ok    403      403      403     403",
    "programmes.my_handout":                "login ok    ok    403      403      403     403",
    "progress.mine":                        "login ok    ok    403      403      403     403",
    "progress.my_charts_json":              "login ok    ok    403      403      403     403",
    "today.today":                          "login ok    ok    403      403      403     403",
    "today.events":                         "login ok    ok    403      403      403     403",
    "today.week":                           "login ok    ok    403      403      403     403",
    "today.plan_seen":                      "login ok    ok    403      403      403     403",
    "api.today":                            "login ok    ok    403      403      403     403",
    "api.sync":                             "login ok    ok    403      403      403     403",
    # Staff lists and forms (each scoped to the caller's own patients or clinic).
    "dashboard.index":                      "login 403   403   ok       ok       ok      ok",
    "patients.index":                       "login 403   403   ok       ok       ok      ok",
    "patients.new":                         "login 403   403   ok       ok       ok      ok",
    "library.index":                        "login 403   403   ok       ok       ok      ok",
    "library.new":                          "login 403   403   ok       ok       ok      ok",
    "programmes.templates_index":           "login 403   403   ok       ok       ok      ok",
    "programmes.template_new":              "login 403   403   ok       ok       ok      ok",
    # Clinic A's own exercise and template: the whole clinic's, invisible to other clinics.
    "library.detail":                       "login 403   403   ok       ok       ok      404",
    "library.edit":                         "login 403   403   ok       ok       ok      404",
    "library.archive":                      "login 403   403   ok       ok       ok      404",
    "programmes.template_detail":           "login 403   403   ok       ok       ok      404",
    "programmes.template_edit":             "login 403   403   ok       ok       ok      404",
    "programmes.template_copy":             "login 403   403   ok       ok       ok      404",
    "programmes.template_remove_line":      "login 403   403   ok       ok       ok      404",
    "programmes.phase_new":                 "login 403   403   ok       ok       ok      404",
    "programmes.phase_edit":                "login 403   403   ok       ok       ok      404",
    "programmes.phase_add_line":            "login 403   403   ok       ok       ok      404",
    "programmes.phase_new_line":            "login 403   403   ok       ok       ok      404",
    "programmes.phase_remove":              "login 403   403   ok       ok       ok      404",
    "programmes.phase_move":                "login 403   403   ok       ok       ok      404",
    "programmes.template_line_dose":        "login 403   403   ok       ok       ok      404",
    "programmes.template_move_line":        "login 403   403   ok       ok       ok      404",
    # Patient A's record: their physio and the clinic admin only.
    "patients.detail":                      "login 403   403   ok       404      ok      404",
    "patients.new_assessment":              "login 403   403   ok       404      ok      404",
    "patients.reissue_invite":              "login 403   403   ok       404      ok      404",
    "programmes.current":                   "login 403   403   ok       404      ok      404",
    "programmes.handout":                   "login 403   403   ok       404      ok      404",
    "programmes.assign":                    "login 403   403   ok       404      ok      404",
    "programmes.index":                     "login 403   403   ok       404      ok      404",
    "programmes.show":                      "login 403   403   ok       404      ok      404",
    "programmes.history":                   "login 403   403   ok       404      ok      404",
    "programmes.plan_on_date":              "login 403   403   ok       404      ok      404",
    "programmes.edit_dose":                 "login 403   403   ok       404      ok      404",
    "programmes.move_line":                 "login 403   403   ok       404      ok      404",
    "programmes.remove_line":               "login 403   403   ok       404      ok      404",
    "programmes.swap":                      "login 403   403   ok       404      ok      404",
    "programmes.add_line":                  "login 403   403   ok       404      ok      404",
    "programmes.move_phase":                "login 403   403   ok       404      ok      404",
    "programmes.test_task":                 "login 403   403   ok       404      ok      404",
    "programmes.thresholds":                "login 403   403   ok       404      ok      404",
    "progress.patient_progress":            "login 403   403   ok       404      ok      404",
    "progress.apply":                       "login 403   403   ok       404      ok      404",
    "progress.dismiss":                     "login 403   403   ok       404      ok      404",
    "progress.edit":                        "login 403   403   ok       404      ok      404",
    "progress.flag_seen":                   "login 403   403   ok       404      ok      404",
    "progress.flags_seen":                  "login 403   403   ok       404      ok      404",
    # Chart data: patient A may read their own through the staff URL too; nobody else.
    "progress.patient_charts_json":         "login ok    404   ok       404      ok      404",
    # Clinic admin only, within their own clinic.
    "admin.audit_log":                      "login 403   403   403      403      ok      ok",
    "admin.delete_patient":                 "login 403   403   403      403      ok      404",
    # Staff and their invites (issue 18): a clinic admin, for their own clinic's staff.
    "admin.staff":                          "login 403   403   403      403      ok      ok",
    "admin.staff_new":                      "login 403   403   403      403      ok      ok",
    "admin.staff_invite":                   "login 403   403   403      403      ok      404",
    # Notes and messages: the patient's own thread; the reply from patient A's page.
    "patients.my_messages":                 "login ok    ok    403      403      403     403",
    "patients.send_my_message":             "login ok    ok    403      403      403     403",
    "patients.reply":                       "login 403   403   ok       404      ok      404",
    # Outcome questionnaires (issue 15): the patient's own, and their physio's and admin's.
    "outcomes.waiting":                     "login ok    ok    403      403      403     403",
    "outcomes.answer_form":                 "login ok    404   403      403      403     403",
    "outcomes.answer_submit":               "login ok    404   403      403      403     403",
    "outcomes.results":                     "login 403   403   ok       404      ok      404",
    "outcomes.schedule":                    "login 403   403   ok       404      ok      404",
    "outcomes.discharge":                   "login 403   403   ok       404      ok      404",
    # The clinic's media (issue 16). A file: patient A's own photo, seen by whoever sees A.
    "media.file":                           "login ok    404   ok       404      ok      404",
    # Clinic A's own exercise's media: the clinic's staff.
    "media.exercise_media":                 "login 403   403   ok       ok       ok      404",
    "media.remove_exercise_media":          "login 403   403   ok       ok       ok      404",
    # Patient A's own media of one line: their physio and the clinic admin.
    "media.line_media":                     "login 403   403   ok       404      ok      404",
    "media.remove_line_media":              "login 403   403   ok       404      ok      404",
    # Reminders and the calendar link (issue 17): the patient's own Account page.
    "reminders.save":                       "login ok    ok    403      403      403     403",
    "reminders.subscribe":                  "login ok    ok    403      403      403     403",
    "reminders.unsubscribe":                "login ok    ok    403      403      403     403",
    "reminders.new_calendar":               "login ok    ok    403      403      403     403",
    "reminders.revoke_calendar":            "login ok    ok    403      403      403     403",
    # The feed takes no login: its token is the key, and an invite's token is not one.
    "reminders.calendar":                   "404   404   404   404      404      404     404",
}
# fmt: on


def ids_for(world: World) -> dict[str, object]:
    """Values for each URL argument: always patient A's objects (or clinic A's)."""
    phase = world.template.phases[0]
    return {
        "patient_id": world.patient_a.id,
        "programme_id": world.programme.id,
        "line_id": 1,
        "exercise_id": world.custom_exercise.id,
        "template_id": world.template.id,
        "phase_id": phase.id,
        "item_id": phase.prescriptions[0].id,
        "suggestion_id": world.suggestion.id,
        "flag_id": world.flag.id,
        "version_id": world.version.id,
        "token": world.invite_token,
        "filename": "css/app.css",
        "user_id": world.physio_a.id,  # a staff member of clinic A
        "measure_id": world.outcome_measure_id,
        "position": 0,  # the programme's first phase
        "media_id": world.media_id,
        "exercise_media_id": world.exercise_media_id,
    }


_ROUTES_APP = create_app("testing")


def route_rules() -> list[Rule]:
    return sorted(_ROUTES_APP.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def expected_for(endpoint: str) -> dict[str, str]:
    outcomes = EXPECTED[endpoint].split()
    assert len(outcomes) == len(CALLERS), f"row {endpoint} needs {len(CALLERS)} outcomes"
    return dict(zip(CALLERS, outcomes, strict=True))


def outcome(response) -> str:  # type: ignore[no-untyped-def]
    """Classify a response as ok, login, 403, 404 (or a server error, always a failure)."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status == 401:
        return "login"
    if status in (301, 302, 303, 307, 308):
        target = urlparse(response.headers.get("Location", ""))
        if target.path == "/login" and "next=" in target.query:
            return "login"
    if status in (403, 404):
        return str(status)
    return "ok"


def database_digest() -> str:
    """A fingerprint of every row of every table (to prove a refused write changed nothing)."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name == "login_sessions":
            continue  # signing each caller in writes one; it is not data a request may change
        stmt = sa.select(table).order_by(*table.primary_key.columns)
        if table.name == "audit_events":  # a refused access is audited: that row is expected
            stmt = stmt.where(table.c.action != "patient.access_refused")
        rows = db.session.execute(stmt).all()
        digest.update(f"{table.name}:{[tuple(row) for row in rows]!r}".encode())
    return digest.hexdigest()


@contextmanager
def undone() -> Iterator[None]:
    """Run requests inside a savepoint that is rolled back: each caller meets the same world."""
    db.session.flush()
    savepoint = db.session.connection().begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        db.session.expire_all()


def _request(app, user, method: str, url: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    if user is not None:
        client.login_as(user)
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.open(
            url, method=method, json={}, headers={"X-CSRFToken": client.csrf_token()}
        )
    return client.open(url, method=method, data={"csrf_token": client.csrf_token()})


def test_every_route_has_a_declared_rule():
    endpoints = {rule.endpoint for rule in route_rules()}
    missing = sorted(endpoints - EXPECTED.keys())
    assert not missing, (
        "Routes without a row in EXPECTED (tests/security/test_authorization_matrix.py): "
        + ", ".join(missing)
    )
    stale = sorted(EXPECTED.keys() - endpoints)
    assert not stale, f"Rows for routes that no longer exist: {', '.join(stale)}"


@pytest.mark.parametrize(
    "rule", [r for r in route_rules() if r.endpoint in EXPECTED], ids=lambda r: r.endpoint
)
def test_route_answers_each_caller_as_declared(app, db, world: World, rule: Rule):
    ids = ids_for(world)
    unknown = [arg for arg in rule.arguments if arg not in ids]
    assert not unknown, f"{rule.endpoint}: no test value for URL argument(s) {unknown}"
    with app.test_request_context():
        from flask import url_for

        url = url_for(rule.endpoint, **{arg: ids[arg] for arg in rule.arguments})
    expected = expected_for(rule.endpoint)
    before = database_digest()
    wrong = []
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        for caller, user in world.users.items():
            with undone():
                response = _request(app, user, method, url)
                response.close()  # static files are streamed from an open file
                got = outcome(response)
                if got != expected[caller]:
                    wrong.append(
                        f"{method} {url} as {caller}: {got} ({response.status_code}), "
                        f"expected {expected[caller]}"
                    )
                    continue
                if method != "GET" and got != "ok" and database_digest() != before:
                    wrong.append(f"{method} {url} as {caller} was refused but changed the data")
                if got == "ok" and response.mimetype == "text/html":
                    problems = inline_code(response.get_data(as_text=True))
                    if problems:
                        wrong.append(f"{method} {url} as {caller}: inline code {problems}")
    assert not wrong, "\n".join(wrong)
    assert database_digest() == before  # every caller's request was undone
