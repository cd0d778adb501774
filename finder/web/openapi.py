"""The OpenAPI 3.1 document, generated from the declared operations and their parameters.

`SCHEMAS` holds the shared schemas; each area adds its own when its API module is imported."""

from collections.abc import Sequence
from typing import Any

from finder.domain.accounts import Role
from finder.web.operations import Operation
from finder.web.schema_parts import STRING

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": STRING,
            "message": STRING,
            "fields": {"type": "object", "additionalProperties": STRING},
            "candidates": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}},
            "suggestions": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}},
        },
    },
    "OpenAPI": {"type": "object"},
}

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted; queued to be sent",
    204: "Done; no content",
    400: "Malformed request",
    401: "Not signed in, or the token is unknown, expired or revoked",
    403: "The caller's role may not do this",
    404: "Not found, or not the caller's",
    409: "Conflict",
    415: "Not JSON",
    422: "Unusable input",
    429: "Too many requests",
    503: "The online geocoder is unavailable and there is no fallback",
}


def _responses(op: Operation) -> dict[int, str | None]:
    """The declared answers plus those every guarded, limited or JSON-taking call can give."""
    responses = dict(op.responses)
    if op.query or op.body:
        responses.setdefault(400, "Error")
    if not op.public:
        responses.setdefault(401, "Error")
        if op.access.roles is not None and op.access.roles != frozenset(Role):
            responses.setdefault(403, "Error")
        if op.access.center_arg:
            responses.setdefault(404, "Error")
    if op.body:
        responses.setdefault(415, "Error")
    if op.rate_limit:
        responses.setdefault(429, "Error")
    return dict(sorted(responses.items()))


def _response(status: int, schema: str | None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": _STATUS_TEXT.get(status, "Response")}
    if schema is not None:
        answer["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
        }
    return answer


def _with_example(parameter: dict[str, Any], example: str | None) -> dict[str, Any]:
    return {**parameter, "example": example} if example is not None else parameter


def openapi_document(operations: Sequence[Operation], *, session_cookie: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        parameters = [
            _with_example(
                {"name": name, "in": "path", "required": True, "schema": STRING},
                op.path_examples.get(name),
            )
            for name in op.path_params
        ] + [
            _with_example(
                {
                    "name": p.name,
                    "in": "query",
                    "required": p.required,
                    "description": p.description,
                    "schema": p.schema(),
                },
                p.example,
            )
            for p in op.query
        ]
        operation: dict[str, Any] = {
            "summary": op.summary,
            "operationId": op.method + op.path.replace("/", "_").replace("{", "").replace("}", ""),
            "parameters": parameters,
            "security": [] if op.public else [{scheme: []} for scheme in op.credentials],
            "x-access": op.access.name,
            "responses": {
                str(status): _response(status, schema) for status, schema in _responses(op).items()
            },
        }
        if op.body:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{op.body}"}}
                },
            }
        paths.setdefault(op.path, {})[op.method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CAR T center finder",
            "version": "1",
            "description": "Authorized CAR T treatment centers ranked by the proximity-stay rule.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from POST /auth/token.",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": session_cookie,
                    "description": "The web session; state-changing calls also need the "
                    "X-CSRF-Token header.",
                },
            },
        },
    }
