"""The booking and calendar API's JSON schemas: hours, closures, blocks, slots and bookings."""

from typing import Any

from finder.domain import reminders
from finder.domain.availability import DAYS, LIMITS
from finder.domain.bookings import OUTCOMES
from finder.web.schema_parts import (
    CLOCK,
    DAY,
    ID,
    INSTANT,
    LINE,
    NULLABLE_STRING,
    STRING,
    TEXT,
    bounded,
    ref,
)

HOLD_ID = {"type": "string", "minLength": 1, "maxLength": 32, "pattern": "^[0-9a-f]+$"}

BOOKING_SCHEMAS: dict[str, dict[str, Any]] = {
    "Hold": {
        "type": "object",
        "required": ["hold_id", "slot_id", "expires_at"],
        "properties": {"hold_id": HOLD_ID, "slot_id": ID, "expires_at": INSTANT},
    },
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
                    "properties": {"day": {"enum": list(DAYS)}, "start": CLOCK, "end": CLOCK},
                },
            },
            **{name: bounded(*bounds) for name, bounds in LIMITS.items()},
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
            "timezone": STRING,
            "displaced": {"type": "array", "items": ref("Displaced")},
        },
    },
    "Displaced": {
        "type": "object",
        "required": ["booking_id", "start", "reason"],
        "properties": {
            "booking_id": {"type": "integer"},
            "start": INSTANT,
            "reason": {"enum": ["closed", "outside_hours", "blocked", "over_capacity"]},
            "detail": STRING,
        },
    },
    "ClosureRequest": {
        "type": "object",
        "required": ["reason"],
        "additionalProperties": False,
        "properties": {
            "date": DAY,
            "start": DAY,
            "end": DAY,
            "reason": {**LINE, "minLength": 1, "maxLength": 200},
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
            "reason": STRING,
            "displaced": {"type": "array", "items": ref("Displaced")},
        },
    },
    "ClosureList": {
        "type": "object",
        "required": ["closures"],
        "properties": {"closures": {"type": "array", "items": ref("Closure")}},
    },
    "Slot": {
        "type": "object",
        "required": ["id", "start", "end", "capacity", "remaining"],
        "properties": {
            "id": {"type": "integer"},
            "start": INSTANT,
            "end": INSTANT,
            "capacity": {"type": "integer"},
            "remaining": {"type": "integer"},
            "booked": {"type": "integer"},
            "blocked": {"type": "boolean"},
            "block_reason": STRING,
            "retired": {"type": "boolean"},
        },
    },
    "SlotList": {
        "type": "object",
        "required": ["center_id", "timezone", "slots"],
        "properties": {
            "center_id": STRING,
            "timezone": STRING,
            "published": {"type": "boolean"},
            "slots": {"type": "array", "items": ref("Slot")},
        },
    },
    "BlockRequest": {
        "type": "object",
        "required": ["blocked"],
        "additionalProperties": False,
        "properties": {
            "blocked": {"type": "boolean"},
            "reason": {**LINE, "maxLength": 200},
        },
    },
    "BookingRequest": {
        "type": "object",
        "required": ["slot_id", "patient", "indication"],
        "additionalProperties": False,
        "properties": {
            "slot_id": ID,
            "hold_id": HOLD_ID,
            "patient": {
                "type": "object",
                "required": ["name", "birth_date"],
                "additionalProperties": False,
                "properties": {
                    "name": {**LINE, "minLength": 1, "maxLength": 200, "pattern": "\\S"},
                    "birth_date": DAY,
                    "email": {**LINE, "maxLength": 254},
                    "phone": {**LINE, "maxLength": 32},
                    # The IANA zone the patient reads times in; absent or "": the center's.
                    "timezone": STRING,
                },
            },
            "indication": {**LINE, "minLength": 1, "maxLength": 16},
            "product": {"type": ["string", "null"], "maxLength": 40},
            "notes": {**TEXT, "maxLength": 2000},
            # The IANA zone the provider reads times in; absent or "": the center's.
            "provider_timezone": STRING,
            # The language of the booking's messages; absent: the request's.
            "language": {"enum": ["en", "es"]},
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
            "center_id": STRING,
            "center_name": STRING,
            "timezone": STRING,
            "start": INSTANT,
            "end": INSTANT,
            "status": {"enum": ["booked", "cancelled", "completed", "no_show"]},
            "status_reason": STRING,
            "provider_timezone": STRING,
            "language": {"enum": ["en", "es"]},
            "patient": {
                "type": "object",
                "required": ["name", "birth_date", "email", "phone", "timezone"],
                "properties": {
                    "name": STRING,
                    "birth_date": {"type": "string", "format": "date"},
                    "email": STRING,
                    "phone": STRING,
                    "timezone": STRING,
                },
            },
            "indication": STRING,
            "product": NULLABLE_STRING,
            "notes": STRING,
            "sequence": {"type": "integer"},
            "created_at": INSTANT,
            "updated_at": INSTANT,
            "provider": {"type": "object"},
            "reminders": {"type": "array", "items": ref("Reminder")},
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
            "due_at": INSTANT,
            "status": {"enum": list(reminders.STATUSES)},
            "detail": STRING,  # why it was cancelled or failed
            "attempts": {"type": "integer", "minimum": 0},
            "sent_at": {"type": ["string", "null"], "format": "date-time"},
            "resend_of": {"type": ["integer", "null"]},  # the message this one sends again
        },
    },
    "BookingList": {
        "type": "object",
        "required": ["bookings"],
        "properties": {
            "center_id": STRING,
            "timezone": STRING,
            "bookings": {"type": "array", "items": ref("Booking")},
        },
    },
    "CancelRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"reason": {**LINE, "maxLength": 200}},
    },
    "RescheduleRequest": {
        "type": "object",
        "required": ["slot_id"],
        "additionalProperties": False,
        "properties": {"slot_id": ID},
    },
    "OutcomeRequest": {
        "type": "object",
        "required": ["status"],
        "additionalProperties": False,
        "properties": {"status": {"enum": list(OUTCOMES)}},
    },
    "Calendar": {"type": "string"},
}
