"""The OpenAPI schemas of the search: places, centers, ranked results, rules and products."""

from typing import Any

from finder.web.schema_parts import STRING

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
                    "claim": {
                        "oneOf": [{"$ref": "#/components/schemas/ProductClaim"}, {"type": "null"}]
                    },
                    "rests_on_reported": {"type": "boolean"},
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
}
