"""The OpenAPI schemas of coverage and site planning."""

from typing import Any

from finder.web.schema_parts import FILLED_LINE, NULLABLE_STRING, STRING

SHARE = {"type": "number", "minimum": 0, "maximum": 1}
PEOPLE = {"type": "integer", "minimum": 0}
BAND = {
    "type": "object",
    "required": ["max_minutes", "population", "share"],
    "properties": {"max_minutes": {"type": "integer"}, "population": PEOPLE, "share": SHARE},
}
LAT = {"type": "number", "minimum": -90, "maximum": 90}
LON = {"type": "number", "minimum": -180, "maximum": 180}

COVERAGE_SCHEMAS: dict[str, dict[str, Any]] = {
    "Coverage": {
        "type": "object",
        "required": ["rule", "product", "population_total", "bands", "by_state", "source"],
        "properties": {
            "rule": STRING,
            "product": NULLABLE_STRING,
            "state": NULLABLE_STRING,
            "population_total": PEOPLE,
            "bands": {"type": "array", "items": BAND},
            "by_state": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["state", "population", "within", "share"],
                    "properties": {
                        "state": STRING,
                        "population": PEOPLE,
                        "within": PEOPLE,
                        "share": SHARE,
                        "bands": {"type": "array", "items": BAND},
                    },
                },
            },
            "source": {"type": "object"},
        },
    },
    "CoveragePlanRequest": {
        "type": "object",
        "required": ["k"],
        "additionalProperties": False,
        "properties": {
            "k": {"type": "integer", "minimum": 1, "maximum": 50},
            "rule": STRING,
            "product": STRING,
            "candidates": {
                "type": "array",
                "minItems": 1,
                "maxItems": 2000,
                "items": {
                    "type": "object",
                    "required": ["label", "lat", "lon"],
                    "additionalProperties": False,
                    "properties": {
                        "label": {**FILLED_LINE, "maxLength": 200},
                        "lat": LAT,
                        "lon": LON,
                    },
                },
            },
        },
    },
    "CoveragePlan": {
        "type": "object",
        "required": ["before", "after", "sites"],
        "properties": {
            "rule": STRING,
            "product": NULLABLE_STRING,
            "before": SHARE,
            "after": SHARE,
            "sites": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["label", "lat", "lon", "state", "gain"],
                    "properties": {
                        "label": STRING,
                        "lat": LAT,
                        "lon": LON,
                        "state": STRING,
                        "gain": PEOPLE,
                    },
                },
            },
            "population_total": PEOPLE,
            "population_before": PEOPLE,
            "population_after": PEOPLE,
            "method": {"enum": ["exact", "greedy"]},
            "guarantee": SHARE,
            "after_at_most": SHARE,
            "candidates": PEOPLE,
        },
    },
}
