"""The OpenAPI document is valid and the API's real answers match it."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from app.api.openapi import openapi_document


def _validator(document, name):
    """A validator for one component schema, with the document's $refs resolvable."""
    registry = Registry().with_resource("urn:stride-api", Resource.opaque(document))
    schema = {"$ref": f"urn:stride-api#/components/schemas/{name}"}
    return Draft202012Validator(schema, registry=registry)


def _check(document, name, body):
    errors = sorted(_validator(document, name).iter_errors(body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_the_document_is_openapi_3_1_and_its_schemas_are_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.1")
    assert {"/today", "/sync"} <= set(document["paths"])
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


@pytest.fixture
def document():
    return openapi_document()


def test_today_and_sync_answers_match_the_document(client, make, patient, today, document):
    make.programme(
        patient, [make.exercise(), make.exercise()], start=today - timedelta(days=10), side="each"
    )
    client.login_as(patient.user)
    _check(document, "Today", client.get("/api/v1/today").json)
    now = datetime.now(UTC).isoformat()
    events = [
        {
            "id": str(uuid.uuid4()),
            "type": "tick",
            "client_time": now,
            "local_date": today.isoformat(),
            "line_id": 1,
            "side": "left",
            "pain": 2,
        },
        {
            "id": str(uuid.uuid4()),
            "type": "sets",
            "client_time": now,
            "local_date": today.isoformat(),
            "line_id": 2,
            "side": "right",
            "sets_done": 1,
        },
        {
            "id": str(uuid.uuid4()),
            "type": "checkin",
            "client_time": now,
            "kind": "during",
            "session_date": today.isoformat(),
            "pain": 4,
            "note": "ok",
        },
        {
            "id": str(uuid.uuid4()),
            "type": "checkin",
            "client_time": now,
            "kind": "morning",
            "session_date": (today - timedelta(days=1)).isoformat(),
            "pain": 3,
        },
    ]
    _check(document, "SyncRequest", {"events": events})
    body = client.post_json(
        "/api/v1/sync", {"events": events + [{"id": "bad", "type": "tick"}]}
    ).json
    _check(document, "SyncResponse", body)
    assert [r["status"] for r in body["results"]] == ["applied"] * 4 + ["rejected"]
    assert body["results"][2]["zone"] == "amber"
    today_body = client.get("/api/v1/today").json
    _check(document, "Today", today_body)
    assert today_body["checkin"]["morning"]["answer"]["pain"] == 3
    yesterday = client.get(f"/api/v1/today?date={(today - timedelta(days=1)).isoformat()}").json
    _check(document, "Today", yesterday)


def test_error_bodies_match_the_document(client, physio, patient, document):
    _check(document, "Error", client.get("/api/v1/today").json)  # 401
    client.login_as(physio)
    _check(document, "Error", client.get("/api/v1/today").json)  # 403
    client.login_as(patient.user)
    _check(document, "Error", client.post_json("/api/v1/sync", {"events": 3}).json)  # 422
    _check(document, "Error", client.post("/api/v1/sync", json={"events": []}).json)  # CSRF 400
    too_many = {"events": [{"id": str(uuid.uuid4())}] * 201}
    _check(document, "Error", client.post_json("/api/v1/sync", too_many).json)  # 413


def test_the_sync_request_documents_each_event_type_by_its_discriminator(document):
    events = document["components"]["schemas"]["SyncRequest"]["properties"]["events"]
    assert events["maxItems"] == 200
    assert events["items"]["discriminator"]["propertyName"] == "type"
    assert set(events["items"]["discriminator"]["mapping"]) == {
        "tick",
        "untick",
        "sets",
        "checkin",
        "message",
        "outcome",
    }
    tick = document["components"]["schemas"]["TickEvent"]
    assert {"id", "type", "client_time", "local_date", "line_id"} <= set(tick["required"])
    assert tick["properties"]["pain"]["anyOf"][0] == {
        "maximum": 10,
        "minimum": 0,
        "type": "integer",
    }
