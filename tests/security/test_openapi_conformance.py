"""Schemathesis, in process: the API never answers 5xx and its answers match its document."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.security.world import World

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def patient_credentials(client, world: World) -> dict[str, dict[str, str]]:
    """The session cookie and CSRF header of patient A, as the day page sends them."""
    client.login_as(world.patient_a.user)
    token = client.csrf_token()
    return {
        # In process, schemathesis reads the body as sent: ask for it uncompressed (the app
        # compresses JSON for clients that accept it: tests/foundation/test_fast_pages.py).
        "headers": {"X-CSRFToken": token, "Accept-Encoding": "identity"},
        "cookies": {"session": client.get_cookie("session").value},
    }


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_match_the_openapi_document(app, db, patient_credentials, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: set[tuple[str, int]] = set()
    assert {op.path for op in operations} >= {"/sync", "/today"}
    for operation in operations:

        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case) -> None:
            response = case.call(**patient_credentials)
            statuses.add((case.operation.path, response.status_code))
            case.validate_response(response, checks=CHECKS)

        check()
    # Signed in for real: the patient's day was served, not only refusals.
    assert ("/today", 200) in statuses or mode == GenerationMode.NEGATIVE, statuses
    assert any(path == "/sync" and status in (200, 422) for path, status in statuses), statuses
