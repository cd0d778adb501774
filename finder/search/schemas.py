"""The OpenAPI schemas of the search: places, centers, ranked results, rules and products."""

from typing import Any

from finder.web.schema_parts import NULLABLE_STRING, STRING, STRINGS

SEARCH_SCHEMAS: dict[str, dict[str, Any]] = {
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
}
