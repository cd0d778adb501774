"""GET /api/v1/centers writes each center's unchanging part once, not per search: the body
still says exactly what search_json says, in the same order."""

import json

import pytest

from finder.extensions import current_catalog, current_geocoder
from finder.search.api import search_body, search_filters, search_json
from finder.search.service import search_centers

QUERIES = [
    {"near": "02115"},
    {"near": "Houston, TX", "product": "yescarta", "limit": "3"},
    {"near": "98109", "indication": "MM", "max_minutes": "600"},
    {"near": "Honolulu, HI", "population": "pediatric"},
    {"near": "02115", "max_minutes": "1"},  # nothing within a minute
    {"near": "Zürich-Straße 5, 02115", "limit": "2"},
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_body_is_search_json(app, client, query):
    answer = client.get("/api/v1/centers", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    assert answer.mimetype == "application/json"
    with app.test_request_context():
        values = {
            "product": None, "indication": None, "population": None, "max_minutes": None,
            "limit": 20, "rule": None,
        }  # fmt: skip
        for key, value in query.items():
            if key == "max_minutes":
                values[key] = float(value)
            elif key == "limit":
                values[key] = int(value)
            elif key != "near":
                values[key] = value
        result = search_centers(
            query["near"], search_filters(values), None,
            geocoder=current_geocoder(), catalog=current_catalog(),
        )  # fmt: skip
        expected = search_json(result, query["near"])
        text = search_body(result, query["near"])
    assert answer.get_json() == expected
    assert list(json.loads(text)) == ["origin", "rule", "results"]
    assert [list(r) for r in json.loads(text)["results"]] == [list(r) for r in expected["results"]]
