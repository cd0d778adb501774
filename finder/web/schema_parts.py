"""The building blocks of the API's JSON schemas, shared by every area's schemas."""

from typing import Any

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
STRINGS = {"type": "array", "items": STRING}
INSTANT = {"type": "string", "format": "date-time"}
DAY = {"type": "string", "format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}
CLOCK = {"type": "string", "pattern": "^([01]\\d|2[0-3]):[0-5]\\d$"}
# One line of text with no control characters (PostgreSQL refuses a NUL in text).
LINE = {"type": "string", "pattern": "^[^\\x00-\\x1f\\x7f]*$"}
TEXT = {"type": "string", "pattern": "^[^\\x00-\\x08\\x0b-\\x1f\\x7f]*$"}
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def bounded(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


# One line with at least one visible character and no control characters.
FILLED_LINE = {
    "type": "string",
    "pattern": "^[^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f][^\\x00-\\x1f\\x7f]*$",
}
NULLABLE_DAY = {**DAY, "type": ["string", "null"]}
