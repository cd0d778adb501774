"""The OpenAPI schemas of a center, its claims, its profile and its history, and a product."""

from typing import Any

from finder.domain.center_profile import MAX_LANGUAGES
from finder.domain.claims import CLAIM_STATUSES
from finder.web.schema_parts import INSTANT, LINE, NULLABLE_STRING, STRING, STRINGS

NULLABLE_FLAG = {"type": ["boolean", "null"]}
ANY_VALUE = {"type": ["string", "boolean", "array", "null"], "items": STRING}
SHORT_STRING = {**LINE, "maxLength": 254}
PHONE_TEXT = {**LINE, "maxLength": 40}

CENTER_SCHEMAS: dict[str, dict[str, Any]] = {
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
            "product_claims": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProductClaim"},
            },
            "accepting_referrals": NULLABLE_FLAG,
            "referral_contact": {
                "type": "object",
                "properties": {"phone": STRING, "fax": STRING, "email": STRING},
            },
            "outpatient": NULLABLE_FLAG,
            "languages": STRINGS,
        },
    },
    "ProductClaim": {
        "type": "object",
        "required": ["product", "status", "source", "checked_on"],
        "properties": {
            "product": STRING,
            "status": {"enum": list(CLAIM_STATUSES)},
            "source": STRING,
            "checked_on": NULLABLE_STRING,
            "stale": {"type": "boolean"},
        },
    },
    "CenterProfile": {
        "type": "object",
        "minProperties": 1,
        "additionalProperties": False,
        "properties": {
            "products": {"type": "array", "maxItems": 50, "items": SHORT_STRING},
            "populations": {"type": "array", "maxItems": 10, "items": SHORT_STRING},
            "phone": PHONE_TEXT,
            "referral_phone": PHONE_TEXT,
            "referral_fax": PHONE_TEXT,
            "referral_email": SHORT_STRING,
            "accepting_referrals": NULLABLE_FLAG,
            "outpatient": NULLABLE_FLAG,
            "languages": {
                "type": "array",
                "maxItems": MAX_LANGUAGES,
                "items": PHONE_TEXT,
            },
        },
    },
    "CenterChange": {
        "type": "object",
        "required": ["id", "at", "by", "field", "before", "after"],
        "properties": {
            "id": {"type": "integer"},
            "at": INSTANT,
            "by": STRING,
            "field": STRING,
            "before": ANY_VALUE,
            "after": ANY_VALUE,
            "revert_of": {"type": ["integer", "null"]},
            "reverted_by": {"type": ["integer", "null"]},
        },
    },
    "CenterChanges": {
        "type": "object",
        "required": ["center_id", "changes"],
        "properties": {
            "center_id": STRING,
            "changes": {"type": "array", "items": {"$ref": "#/components/schemas/CenterChange"}},
        },
    },
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
}
