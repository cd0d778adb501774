"""The OpenAPI 3.1 document, generated from the declared operations and their parameters.

`SCHEMAS` holds the shared schemas; each area adds its own when its API module is imported."""

from collections.abc import Sequence
from typing import Any

from finder.domain.accounts import Role
from finder.web.operations import Operation
from finder.web.schema_parts import NULLABLE_STRING, STRING, STRINGS

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": STRING,
            "message": STRING,
            "fields": {"type": "object", "additionalProperties": STRING},
            "candidates": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}},
        },
    },
    "Place": {
        "type": "object",
        "required": ["lat", "lon", "precision", "label", "state"],
        "properties": {
            "query": STRING,
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "precision": {"enum": ["address", "zip", "city", "state"]},
            "label": STRING,
            "state": STRING,
        },
    },
    "Center": {
        "type": "object",
        "required": [
            "id",
            "name",
            "address",
            "phone",
            "website",
            "lat",
            "lon",
            "timezone",
            "products",
            "indications",
            "populations",
        ],
        "properties": {
            "id": STRING,
            "name": STRING,
            "address": {
                "type": "object",
                "required": ["street", "city", "state", "zip"],
                "properties": {k: STRING for k in ("street", "city", "state", "zip")},
            },
            "phone": STRING,
            "website": STRING,
            "lat": {"type": "number"},
            "lon": {"type": "number"},
            "timezone": STRING,
            "products": STRINGS,
            "indications": STRINGS,
            "populations": STRINGS,
            "source": STRING,
            "verified_on": NULLABLE_STRING,
        },
    },
    "RankedCenter": {
        "allOf": [
            {"$ref": "#/components/schemas/Center"},
            {
                "type": "object",
                "required": [
                    "distance_km",
                    "distance_mi",
                    "drive_minutes",
                    "drivable",
                    "within_proximity",
                ],
                "properties": {
                    "distance_km": {"type": "number", "minimum": 0},
                    "distance_mi": {"type": "number", "minimum": 0},
                    "drive_minutes": {"type": ["integer", "null"], "minimum": 0},
                    "drivable": {"type": "boolean"},
                    "within_proximity": {"type": "boolean"},
                    "borderline": {"type": "boolean"},
                },
            },
        ]
    },
    "Rule": {
        "type": "object",
        "required": [
            "id",
            "label",
            "stay_radius_minutes",
            "stay_days",
            "no_driving_days",
            "source",
            "effective",
        ],
        "properties": {
            "id": STRING,
            "label": STRING,
            "stay_radius_minutes": {"type": "integer"},
            "stay_days": {"type": "integer"},
            "no_driving_days": {"type": "integer"},
            "source": STRING,
            "effective": {"type": ["string", "null"], "format": "date"},
        },
    },
    "CenterSearch": {
        "type": "object",
        "required": ["origin", "rule", "results"],
        "properties": {
            "origin": {"$ref": "#/components/schemas/Place"},
            "rule": {"$ref": "#/components/schemas/Rule"},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/RankedCenter"}},
        },
    },
    "RuleList": {"type": "array", "items": {"$ref": "#/components/schemas/Rule"}},
    "Product": {
        "type": "object",
        "required": ["id", "name", "generic", "maker", "target", "indications", "ages"],
        "properties": {
            "id": STRING,
            "name": STRING,
            "generic": STRING,
            "maker": STRING,
            "target": STRING,
            "indications": STRINGS,
            "ages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "indication": STRING,
                        "min_years": {"type": "integer"},
                        "max_years": {"type": ["integer", "null"]},
                        "note": STRING,
                    },
                },
            },
            "infusion_days": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "ProductList": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}},
    "OpenAPI": {"type": "object"},
    "TokenRequest": {
        "type": "object",
        "required": ["email", "password"],
        "additionalProperties": False,
        "properties": {
            # No control characters: PostgreSQL cannot compare text holding a NUL.
            "email": {
                "type": "string",
                "minLength": 3,
                "maxLength": 254,
                "pattern": "^[^\\x00-\\x1f\\x7f]*$",
            },
            "password": {"type": "string", "minLength": 1, "maxLength": 1024},
        },
    },
    "Token": {
        "type": "object",
        "required": ["token", "expires_at"],
        "properties": {
            "token": STRING,
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
    "Me": {
        "type": "object",
        "required": ["id", "email", "name", "role", "practice", "centers"],
        "properties": {
            "id": {"type": "integer"},
            "email": STRING,
            "name": STRING,
            "role": {"enum": ["admin", "staff", "provider"]},
            "practice": STRING,
            "centers": STRINGS,
        },
    },
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
            "description": "Certified CAR T treatment centers ranked by the proximity-stay rule.",
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
