"""The OpenAPI 3.1 document of /api/v1, generated from the schema the API parses and builds.

The component schemas are pydantic's JSON Schema of app.api.schema and the event models;
apispec assembles them with the paths, responses and security schemes below.
"""

from functools import cache
from typing import Any

from apispec import APISpec
from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from app.api import schema
from app.domain.events import MAX_EVENTS_PER_BATCH

REF_TEMPLATE = "#/components/schemas/{model}"
DATE = {"type": "string", "format": "date"}

# What the document names and how: (component name, mode, type). Requests are read as
# JSON Schema "validation" (what is accepted), answers as "serialization" (what is sent).
TOP_LEVEL: tuple[tuple[str, JsonSchemaMode, Any], ...] = (
    ("SyncRequest", "validation", schema.SyncRequest),
    ("SyncResponse", "serialization", schema.SyncResponse),
    ("Today", "serialization", schema.TodayJSON),
    ("Error", "serialization", schema.ErrorJSON),
)


class _Names(GenerateJsonSchema):
    """Name components as the document always has: Today, Item, CheckIn (no JSON suffix)."""

    def normalize_name(self, name: str) -> str:
        return super().normalize_name(name).removesuffix("JSON")


def _component_schemas() -> dict[str, Any]:
    inputs = [(name, mode, TypeAdapter(kind)) for name, mode, kind in TOP_LEVEL]
    tops, definitions = TypeAdapter.json_schemas(
        inputs, ref_template=REF_TEMPLATE, schema_generator=_Names
    )
    schemas = dict(definitions.get("$defs", {}))
    for (name, _mode), top in tops.items():
        if top.get("$ref") != REF_TEMPLATE.format(model=name):  # not already a definition
            schemas[name] = top
    return schemas


def _json(ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _error(description: str) -> dict[str, Any]:
    return _json("Error", description)


@cache
def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 document for /api/v1."""
    spec = APISpec(
        title="Stride patient API",
        version="1.0.0",
        openapi_version="3.1.0",
        info={
            "description": "Used by the patient's day page. Sign in with the session cookie; "
            "POST requests need the CSRF token (meta csrf-token) in the X-CSRFToken header."
        },
        servers=[{"url": "/api/v1"}],
        security=[{"session": []}],
    )
    for name, component in _component_schemas().items():
        spec.components.schema(name, component)
    spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    spec.components.security_scheme(
        "csrf", {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}
    )
    spec.path(
        path="/today",
        operations={
            "get": {
                "operationId": "getToday",
                "summary": "What is due and done on the patient's day.",
                "parameters": [
                    {
                        "name": "date",
                        "in": "query",
                        "required": False,
                        "description": "A patient-local day: today or up to 2 days back.",
                        "schema": DATE,
                    }
                ],
                "responses": {
                    "200": _json("Today", "The day."),
                    "401": _error("Not signed in."),
                    "403": _error("Signed in, but not as a patient."),
                    "422": _error("The date is malformed, in the future or too far back."),
                },
            }
        },
    )
    spec.path(
        path="/sync",
        operations={
            "post": {
                "operationId": "sync",
                "summary": "Apply a batch of events; each event is handled on its own.",
                "security": [{"session": [], "csrf": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": "SyncRequest"}},
                },
                "responses": {
                    "200": _json("SyncResponse", "One result per event, in the order sent."),
                    "400": _error("The CSRF header is missing or wrong."),
                    "401": _error("Not signed in."),
                    "403": _error("Signed in, but not as a patient."),
                    "413": _error(f"More than {MAX_EVENTS_PER_BATCH} events: nothing stored."),
                    "422": _error("The body is not JSON with an events list."),
                },
            }
        },
    )
    spec.path(
        path="/openapi.json",
        operations={
            "get": {
                "operationId": "openapi",
                "summary": "This document.",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document."}},
            }
        },
    )
    return spec.to_dict()
