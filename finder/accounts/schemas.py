"""The OpenAPI schemas of the account calls: a token for a password, and who is signed in."""

from typing import Any

from finder.web.schema_parts import STRING, STRINGS

ACCOUNT_SCHEMAS: dict[str, dict[str, Any]] = {
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
