"""The referral API's JSON schemas: referrals, their journey, the stay plan and the filters."""

from typing import Any

from finder.domain.journey import EXITS, MAX_NOTE, STAGES, START_STAGES
from finder.web.schema_parts import (
    DAY,
    FILLED_LINE,
    INSTANT,
    LINE,
    NULLABLE_DAY,
    NULLABLE_STRING,
    STRING,
    TEXT,
    ref,
)

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
                    "name": {**FILLED_LINE, "maxLength": 200},
                    "birth_date": DAY,
                    "email": {**LINE, "maxLength": 254},
                    "phone": {**LINE, "maxLength": 32},
                },
            },
            # Where the patient lives: an address, a ZIP or a city, located at that precision.
            "home": {**LINE, "maxLength": 200},
            "indication": {**LINE, "maxLength": 16},
            "product": {"type": ["string", "null"], "maxLength": 40, "pattern": LINE["pattern"]},
            "rule": {**LINE, "maxLength": 20},  # a rule set of GET /rules; default us-2025
            "stage": {"enum": list(START_STAGES)},
            # Checked by the journey (at most MAX_NOTE characters): a longer note is a 422.
            "note": {**TEXT, "maxLength": 4 * MAX_NOTE},
        },
    },
    "ReferralSearch": {
        "type": "object",
        "required": ["search"],
        "additionalProperties": False,
        "properties": {"search": {**FILLED_LINE, "maxLength": 100}, **_REFERRAL_FILTERS},
    },
    "StageChange": {
        "type": "object",
        "required": ["stage"],
        "additionalProperties": False,
        "properties": {
            "stage": {"enum": [*STAGES, *EXITS]},
            "at": DAY,  # default: today at the center
            # Checked by the journey (required for a correction, at most MAX_NOTE characters).
            "note": {**TEXT, "maxLength": 4 * MAX_NOTE},
            "correction": {"type": "boolean"},
            "entry": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},  # a position
        },
    },
    "PlanChange": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "planned_infusion": NULLABLE_DAY,  # null clears it
            "home": {**LINE, "maxLength": 200},  # "" forgets the home
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
            "center_id": STRING,
            "center_name": STRING,
            "timezone": STRING,
            "provider_id": {"type": "integer"},
            "patient": {
                "type": "object",
                "required": ["name", "birth_date", "email", "phone"],
                "properties": {
                    "name": STRING,
                    "birth_date": {"type": "string", "format": "date"},
                    "email": STRING,
                    "phone": STRING,
                },
            },
            "home": {
                "type": ["object", "null"],
                "required": ["label", "precision"],
                "properties": {
                    "label": STRING,
                    "precision": {"enum": ["address", "zip", "city", "state", None]},
                },
            },
            "indication": STRING,
            "product": NULLABLE_STRING,
            "rule": STRING,
            "stage": {"enum": [*STAGES, *EXITS]},
            "stage_label": STRING,
            "stage_since": {"type": "string", "format": "date"},
            "days_in_stage": {"type": ["integer", "null"]},
            "next_appointment": {"type": ["string", "null"], "format": "date-time"},
            "overdue": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["code", "message", "days"],
                    "properties": {
                        "code": STRING,
                        "message": STRING,
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
                        "note": STRING,
                        "recorded_at": INSTANT,
                        "correction_of": {"type": ["integer", "null"]},
                        "superseded": {"type": "boolean"},
                    },
                },
            },
            "created_at": INSTANT,
            "updated_at": INSTANT,
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
        "properties": {"referrals": {"type": "array", "items": ref("Referral")}},
    },
}
