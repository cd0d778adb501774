"""The OpenAPI schemas of a center and a product."""

from typing import Any

from finder.web.schema_parts import NULLABLE_STRING, STRING, STRINGS

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
