"""The OpenAPI 3.1 document, generated from the declared operations and their parameters."""

from collections.abc import Sequence
from typing import Any

from finder.domain import reminders
from finder.domain.accounts import Role
from finder.domain.availability import DAYS, LIMITS
from finder.domain.bookings import OUTCOMES
from finder.domain.journey import EXITS, MAX_NOTE, STAGES, START_STAGES
from finder.web.operations import Operation

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": _STRING}
_INSTANT = {"type": "string", "format": "date-time"}
_DAY = {"type": "string", "format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}
_CLOCK = {"type": "string", "pattern": "^([01]\\d|2[0-3]):[0-5]\\d$"}
# One line of text with no control characters (PostgreSQL refuses a NUL in text).
_LINE = {"type": "string", "pattern": "^[^\\x00-\\x1f\\x7f]*$"}
_TEXT = {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b-\\x1f\\x7f]*$"}
_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _bounded(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


BOOKING_SCHEMAS: dict[str, dict[str, Any]] = {
    "Availability": {
        "type": "object",
        "required": ["weekly", *LIMITS],
        "additionalProperties": False,
        "properties": {
            "weekly": {
                "type": "array",
                "maxItems": 70,
                "items": {
                    "type": "object",
                    "required": ["day", "start", "end"],
                    "additionalProperties": False,
                    "properties": {"day": {"enum": list(DAYS)}, "start": _CLOCK, "end": _CLOCK},
                },
            },
            **{name: _bounded(*bounds) for name, bounds in LIMITS.items()},
            # Hours before each consultation; absent keeps the stored ones. Their values are
            # checked by the domain (1 to 336, at most 4, no repeats): a 422 names them.
            "reminder_hours": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "StoredAvailability": {
        "type": "object",
        "required": ["weekly", *LIMITS, "reminder_hours", "timezone", "displaced"],
        "properties": {
            "weekly": {"type": "array"},
            **{name: {"type": "integer"} for name in LIMITS},
            "reminder_hours": {"type": "array", "items": {"type": "integer"}},
            "timezone": _STRING,
            "displaced": {"type": "array", "items": _ref("Displaced")},
        },
    },
    "Displaced": {
        "type": "object",
        "required": ["booking_id", "start", "reason"],
        "properties": {
            "booking_id": {"type": "integer"},
            "start": _INSTANT,
            "reason": {"enum": ["closed", "outside_hours", "blocked", "over_capacity"]},
            "detail": _STRING,
        },
    },
    "ClosureRequest": {
        "type": "object",
        "required": ["reason"],
        "additionalProperties": False,
        "properties": {
            "date": _DAY,
            "start": _DAY,
            "end": _DAY,
            "reason": {**_LINE, "minLength": 1, "maxLength": 200},
        },
        "oneOf": [{"required": ["date"]}, {"required": ["start", "end"]}],
    },
    "Closure": {
        "type": "object",
        "required": ["id", "start", "end", "reason"],
        "properties": {
            "id": {"type": "integer"},
            "start": {"type": "string", "format": "date"},
            "end": {"type": "string", "format": "date"},
            "reason": _STRING,
            "displaced": {"type": "array", "items": _ref("Displaced")},
        },
    },
    "ClosureList": {
        "type": "object",
        "required": ["closures"],
        "properties": {"closures": {"type": "array", "items": _ref("Closure")}},
    },
    "Slot": {
        "type": "object",
        "required": ["id", "start", "end", "capacity", "remaining"],
        "properties": {
            "id": {"type": "integer"},
            "start": _INSTANT,
            "end": _INSTANT,
            "capacity": {"type": "integer"},
            "remaining": {"type": "integer"},
            "booked": {"type": "integer"},
            "blocked": {"type": "boolean"},
            "block_reason": _STRING,
            "retired": {"type": "boolean"},
        },
    },
    "SlotList": {
        "type": "object",
        "required": ["center_id", "timezone", "slots"],
        "properties": {
            "center_id": _STRING,
            "timezone": _STRING,
            "published": {"type": "boolean"},
            "slots": {"type": "array", "items": _ref("Slot")},
        },
    },
    "BlockRequest": {
        "type": "object",
        "required": ["blocked"],
        "additionalProperties": False,
        "properties": {
            "blocked": {"type": "boolean"},
            "reason": {**_LINE, "maxLength": 200},
        },
    },
    "BookingRequest": {
        "type": "object",
        "required": ["slot_id", "patient", "indication"],
        "additionalProperties": False,
        "properties": {
            "slot_id": _ID,
            "patient": {
                "type": "object",
                "required": ["name", "birth_date"],
                "additionalProperties": False,
                "properties": {
                    "name": {**_LINE, "minLength": 1, "maxLength": 200, "pattern": "\\S"},
                    "birth_date": _DAY,
                    "email": {**_LINE, "maxLength": 254},
                    "phone": {**_LINE, "maxLength": 32},
                    # The IANA zone the patient reads times in; absent or "": the center's.
                    "timezone": _STRING,
                },
            },
            "indication": {**_LINE, "minLength": 1, "maxLength": 16},
            "product": {"type": ["string", "null"], "maxLength": 40},
            "notes": {**_TEXT, "maxLength": 2000},
            # The IANA zone the provider reads times in; absent or "": the center's.
            "provider_timezone": _STRING,
        },
    },
    "Booking": {
        "type": "object",
        "required": [
            "id",
            "slot_id",
            "center_id",
            "start",
            "end",
            "status",
            "patient",
            "indication",
            "product",
            "notes",
            "reminders",
        ],
        "properties": {
            "id": {"type": "integer"},
            "slot_id": {"type": "integer"},
            "center_id": _STRING,
            "center_name": _STRING,
            "timezone": _STRING,
            "start": _INSTANT,
            "end": _INSTANT,
            "status": {"enum": ["booked", "cancelled", "completed", "no_show"]},
            "status_reason": _STRING,
            "provider_timezone": _STRING,
            "patient": {
                "type": "object",
                "required": ["name", "birth_date", "email", "phone", "timezone"],
                "properties": {
                    "name": _STRING,
                    "birth_date": {"type": "string", "format": "date"},
                    "email": _STRING,
                    "phone": _STRING,
                    "timezone": _STRING,
                },
            },
            "indication": _STRING,
            "product": _NULLABLE_STRING,
            "notes": _STRING,
            "sequence": {"type": "integer"},
            "created_at": _INSTANT,
            "updated_at": _INSTANT,
            "provider": {"type": "object"},
            "reminders": {"type": "array", "items": _ref("Reminder")},
        },
    },
    "Reminder": {
        "type": "object",
        "required": [
            "id",
            "kind",
            "recipient",
            "hours_before",
            "due_at",
            "status",
            "detail",
            "attempts",
            "sent_at",
            "resend_of",
        ],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"enum": list(reminders.KINDS)},
            "recipient": {"enum": [reminders.PROVIDER, reminders.PATIENT]},
            "hours_before": {"type": ["integer", "null"]},
            "due_at": _INSTANT,
            "status": {"enum": list(reminders.STATUSES)},
            "detail": _STRING,  # why it was cancelled or failed
            "attempts": {"type": "integer", "minimum": 0},
            "sent_at": {"type": ["string", "null"], "format": "date-time"},
            "resend_of": {"type": ["integer", "null"]},  # the message this one sends again
        },
    },
    "BookingList": {
        "type": "object",
        "required": ["bookings"],
        "properties": {
            "center_id": _STRING,
            "timezone": _STRING,
            "bookings": {"type": "array", "items": _ref("Booking")},
        },
    },
    "CancelRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"reason": {**_LINE, "maxLength": 200}},
    },
    "RescheduleRequest": {
        "type": "object",
        "required": ["slot_id"],
        "additionalProperties": False,
        "properties": {"slot_id": _ID},
    },
    "OutcomeRequest": {
        "type": "object",
        "required": ["status"],
        "additionalProperties": False,
        "properties": {"status": {"enum": list(OUTCOMES)}},
    },
    "Calendar": {"type": "string"},
}

# One line with at least one visible character and no control characters.
_FILLED_LINE = {
    "type": "string",
    "pattern": "^[^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f][^\\x00-\\x1f\\x7f]*$",
}
_NULLABLE_DAY = {**_DAY, "type": ["string", "null"]}
_REFERRAL_FILTERS = {
    "stage": {"enum": [*STAGES, *EXITS]},
    "center_id": {"type": "string", "maxLength": 80, "pattern": "^[a-z0-9-]*$"},
    "overdue": {"type": "boolean"},
}

REFERRAL_SCHEMAS: dict[str, dict[str, Any]] = {
    "ReferralRequest": {
        "type": "object",
        "required": ["center_id", "patient"],
        "additionalProperties": False,
        "properties": {
            "center_id": {"type": "string", "maxLength": 80, "pattern": "^[a-z0-9-]+$"},
            "patient": {
                "type": "object",
                "required": ["name", "birth_date"],
                "additionalProperties": False,
                "properties": {
                    "name": {**_FILLED_LINE, "maxLength": 200},
                    "birth_date": _DAY,
                    "email": {**_LINE, "maxLength": 254},
                    "phone": {**_LINE, "maxLength": 32},
                },
            },
            # Where the patient lives: an address, a ZIP or a city, located at that precision.
            "home": {**_LINE, "maxLength": 200},
            "indication": {**_LINE, "maxLength": 16},
            "product": {"type": ["string", "null"], "maxLength": 40, "pattern": _LINE["pattern"]},
            "rule": {**_LINE, "maxLength": 20},  # a rule set of GET /rules; default us-2025
            "stage": {"enum": list(START_STAGES)},
            # Checked by the journey (at most MAX_NOTE characters): a longer note is a 422.
            "note": {**_TEXT, "maxLength": 4 * MAX_NOTE},
        },
    },
    "ReferralSearch": {
        "type": "object",
        "required": ["search"],
        "additionalProperties": False,
        "properties": {"search": {**_FILLED_LINE, "maxLength": 100}, **_REFERRAL_FILTERS},
    },
    "StageChange": {
        "type": "object",
        "required": ["stage"],
        "additionalProperties": False,
        "properties": {
            "stage": {"enum": [*STAGES, *EXITS]},
            "at": _DAY,  # default: today at the center
            # Checked by the journey (required for a correction, at most MAX_NOTE characters).
            "note": {**_TEXT, "maxLength": 4 * MAX_NOTE},
            "correction": {"type": "boolean"},
            "entry": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},  # a position
        },
    },
    "PlanChange": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "planned_infusion": _NULLABLE_DAY,  # null clears it
            "home": {**_LINE, "maxLength": 200},  # "" forgets the home
        },
        "anyOf": [{"required": ["planned_infusion"]}, {"required": ["home"]}],
    },
    "Referral": {
        "type": "object",
        "required": [
            "id",
            "center_id",
            "center_name",
            "timezone",
            "provider_id",
            "patient",
            "home",
            "indication",
            "product",
            "rule",
            "stage",
            "stage_label",
            "stage_since",
            "days_in_stage",
            "next_appointment",
            "overdue",
            "planned_infusion",
            "history",
            "created_at",
            "updated_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "center_id": _STRING,
            "center_name": _STRING,
            "timezone": _STRING,
            "provider_id": {"type": "integer"},
            "patient": {
                "type": "object",
                "required": ["name", "birth_date", "email", "phone"],
                "properties": {
                    "name": _STRING,
                    "birth_date": {"type": "string", "format": "date"},
                    "email": _STRING,
                    "phone": _STRING,
                },
            },
            "home": {
                "type": ["object", "null"],
                "required": ["label", "precision"],
                "properties": {
                    "label": _STRING,
                    "precision": {"enum": ["address", "zip", "city", "state", None]},
                },
            },
            "indication": _STRING,
            "product": _NULLABLE_STRING,
            "rule": _STRING,
            "stage": {"enum": [*STAGES, *EXITS]},
            "stage_label": _STRING,
            "stage_since": {"type": "string", "format": "date"},
            "days_in_stage": {"type": ["integer", "null"]},
            "next_appointment": {"type": ["string", "null"], "format": "date-time"},
            "overdue": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "message", "days"],
                    "properties": {
                        "code": _STRING,
                        "message": _STRING,
                        "days": {"type": "integer"},
                    },
                },
            },
            "planned_infusion": {"type": ["string", "null"], "format": "date"},
            "history": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "position",
                        "stage",
                        "at",
                        "by",
                        "note",
                        "recorded_at",
                        "correction_of",
                        "superseded",
                    ],
                    "properties": {
                        "position": {"type": "integer", "minimum": 0},
                        "stage": {"enum": [*STAGES, *EXITS]},
                        "at": {"type": "string", "format": "date"},
                        "by": {"type": ["integer", "null"]},
                        "note": _STRING,
                        "recorded_at": _INSTANT,
                        "correction_of": {"type": ["integer", "null"]},
                        "superseded": {"type": "boolean"},
                    },
                },
            },
            "created_at": _INSTANT,
            "updated_at": _INSTANT,
            # Once an infusion is recorded or planned: the proximity-stay plan under `rule`.
            "stay_until": {"type": "string", "format": "date"},
            "no_driving_until": {"type": "string", "format": "date"},
            "within_proximity": {"type": ["boolean", "null"]},  # null: home not known
            "plan": {
                "type": "object",
                "required": [
                    "first_infusion",
                    "last_infusion",
                    "planned",
                    "home_known",
                    "drive_minutes",
                    "lodging_needed",
                ],
                "properties": {
                    "first_infusion": {"type": "string", "format": "date"},
                    "last_infusion": {"type": "string", "format": "date"},
                    "planned": {"type": "boolean"},
                    "home_known": {"type": "boolean"},
                    "drive_minutes": {"type": ["integer", "null"], "minimum": 0},
                    "lodging_needed": {"type": ["boolean", "null"]},
                },
            },
        },
        "dependentRequired": {
            "stay_until": ["no_driving_until", "within_proximity", "plan"],
        },
    },
    "ReferralList": {
        "type": "object",
        "required": ["referrals"],
        "properties": {"referrals": {"type": "array", "items": _ref("Referral")}},
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": _STRING,
            "message": _STRING,
            "fields": {"type": "object", "additionalProperties": _STRING},
            "candidates": {"type": "array", "items": {"$ref": "#/components/schemas/Place"}},
        },
    },
    "Place": {
        "type": "object",
        "required": ["lat", "lon", "precision", "label", "state"],
        "properties": {
            "query": _STRING,
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "precision": {"enum": ["address", "zip", "city", "state"]},
            "label": _STRING,
            "state": _STRING,
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
            "id": _STRING,
            "name": _STRING,
            "address": {
                "type": "object",
                "required": ["street", "city", "state", "zip"],
                "properties": {k: _STRING for k in ("street", "city", "state", "zip")},
            },
            "phone": _STRING,
            "website": _STRING,
            "lat": {"type": "number"},
            "lon": {"type": "number"},
            "timezone": _STRING,
            "products": _STRINGS,
            "indications": _STRINGS,
            "populations": _STRINGS,
            "source": _STRING,
            "verified_on": _NULLABLE_STRING,
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
            "id": _STRING,
            "label": _STRING,
            "stay_radius_minutes": {"type": "integer"},
            "stay_days": {"type": "integer"},
            "no_driving_days": {"type": "integer"},
            "source": _STRING,
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
            "id": _STRING,
            "name": _STRING,
            "generic": _STRING,
            "maker": _STRING,
            "target": _STRING,
            "indications": _STRINGS,
            "ages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "indication": _STRING,
                        "min_years": {"type": "integer"},
                        "max_years": {"type": ["integer", "null"]},
                        "note": _STRING,
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
            "token": _STRING,
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
    "Me": {
        "type": "object",
        "required": ["id", "email", "name", "role", "practice", "centers"],
        "properties": {
            "id": {"type": "integer"},
            "email": _STRING,
            "name": _STRING,
            "role": {"enum": ["admin", "staff", "provider"]},
            "practice": _STRING,
            "centers": _STRINGS,
        },
    },
    **BOOKING_SCHEMAS,
    **REFERRAL_SCHEMAS,
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
                {"name": name, "in": "path", "required": True, "schema": _STRING},
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
