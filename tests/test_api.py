"""The public JSON API: shapes of API.md, status codes, validation of every parameter."""

import re

import pytest


def test_geocode_a_zip(client):
    response = client.get("/api/v1/geocode?q=02115")
    assert response.status_code == 200
    body = response.get_json()
    assert body["precision"] == "zip"
    assert body["state"] == "MA"
    assert set(body) == {"query", "lat", "lon", "precision", "label", "state"}


def test_geocode_without_q_is_a_400(client):
    response = client.get("/api/v1/geocode")
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"q": "required"}


def test_geocode_of_an_unknown_place_is_a_422(client):
    response = client.get("/api/v1/geocode?q=Nowheresville, ZZ")
    assert response.status_code in (400, 422)
    assert "Nowheresville" not in response.get_json()["message"]


def test_geocode_of_an_ambiguous_name_returns_candidates(client):
    response = client.get("/api/v1/geocode?q=Springfield")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "ambiguous_location"
    assert {"IL", "MA", "MO"} <= {c["state"] for c in body["candidates"]}


def test_centers_near_boston_rank_dana_farber_first(client):
    response = client.get("/api/v1/centers?near=Boston, MA")
    assert response.status_code == 200
    body = response.get_json()
    assert body["origin"]["state"] == "MA"
    assert body["rule"]["id"] == "us-2025"
    first = body["results"][0]
    assert first["id"] == "dana-farber-boston"
    assert first["within_proximity"] is True
    assert first["drivable"] is True
    assert isinstance(first["drive_minutes"], int)
    assert {"distance_km", "distance_mi", "address", "products", "timezone"} <= set(first)


def test_centers_within_the_radius_come_first(client):
    results = client.get("/api/v1/centers?near=10065&limit=50").get_json()["results"]
    flags = [r["within_proximity"] for r in results]
    assert flags == sorted(flags, reverse=True)
    assert results[0]["id"] == "msk-new-york"


def test_honolulu_patient_has_no_road_to_the_mainland(client):
    results = client.get("/api/v1/centers?near=96813&limit=50").get_json()["results"]
    assert results[0]["id"] == "queens-honolulu"
    mainland = [r for r in results if r["address"]["state"] not in ("HI",)]
    assert all(r["drive_minutes"] is None and not r["drivable"] for r in mainland)


def test_the_rule_parameter_selects_the_rule_set(client):
    body = client.get("/api/v1/centers?near=02115&rule=us-rems-2024").get_json()
    assert body["rule"]["stay_days"] == 28


def test_filters_are_applied(client):
    url = "/api/v1/centers?near=19104&population=pediatric&limit=50"
    results = client.get(url).get_json()["results"]
    assert [r["id"] for r in results] == ["chop-philadelphia", "mayo-clinic-rochester"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("near=02115&product=unobtainium", "product"),
        ("near=02115&indication=XYZ", "indication"),
        ("near=02115&population=elderly", "population"),
        ("near=02115&rule=mars", "rule"),
        ("near=02115&limit=0", "limit"),
        ("near=02115&limit=abc", "limit"),
        ("near=02115&limit=100000", "limit"),
        ("near=02115&max_minutes=-5", "max_minutes"),
        ("near=02115&max_minutes=nan", "max_minutes"),
        ("near=02115&colour=blue", "colour"),
        ("near=02115&limit=5&limit=6", "limit"),
        ("product=yescarta", "near"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/centers?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request"
    assert field in body["fields"]


def test_an_empty_address_is_a_400(client):
    assert client.get("/api/v1/centers?near=%20%20").status_code == 400


def test_an_absurd_address_is_a_400_or_422_never_a_500(client):
    for text in ["<script>alert(1)</script>", "x" * 500, "\x00\x01", "99999999999"]:
        response = client.get("/api/v1/centers", query_string={"near": text})
        assert response.status_code in (400, 422), text
        assert response.is_json


def test_a_place_outside_the_us_is_a_422(client):
    response = client.get("/api/v1/centers?near=London, UK")
    assert response.status_code == 422


def test_one_center_by_id(client):
    response = client.get("/api/v1/centers/mayo-clinic-rochester")
    assert response.status_code == 200
    body = response.get_json()
    assert body["address"] == {
        "street": "200 First St SW", "city": "Rochester", "state": "MN", "zip": "55905",
    }  # fmt: skip
    assert body["timezone"] == "America/Chicago"
    assert "adult" in body["populations"]


def test_an_unknown_center_is_a_json_404(client):
    response = client.get("/api/v1/centers/nowhere")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_rules_list_the_three_rule_sets(client):
    rules = client.get("/api/v1/rules").get_json()
    assert [r["id"] for r in rules] == ["us-2025", "us-rems-2024", "eu"]
    assert set(rules[0]) >= {
        "id", "label", "stay_radius_minutes", "stay_days", "no_driving_days", "source",
        "effective",
    }  # fmt: skip


def test_products_list_the_approved_products(client):
    products = client.get("/api/v1/products").get_json()
    assert len(products) == 7
    assert set(products[0]) >= {"id", "name", "generic", "maker", "target", "indications", "ages"}


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json


def test_wrong_method_is_a_json_405(client):
    response = client.post("/api/v1/centers")
    assert response.status_code == 405
    assert response.is_json


def test_openapi_lists_every_operation_with_its_parameters(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routed = {
        # <int:referral_id> is {referral_id}: a converter only narrows what the route matches.
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1")))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert documented == routed
    names = {p["name"] for p in document["paths"]["/centers"]["get"]["parameters"]}
    assert names == {
        "near", "product", "indication", "population", "max_minutes", "limit", "rule",
    }  # fmt: skip
    product = next(
        p for p in document["paths"]["/centers"]["get"]["parameters"] if p["name"] == "product"
    )
    assert "yescarta" in product["schema"]["enum"]


def test_the_catalog_index_is_rebuilt_after_a_reload(app, client, tmp_path):
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache
    from tests.conftest import SMALL_CENTERS

    smaller = tmp_path / "two.csv"
    lines = SMALL_CENTERS.read_text().splitlines()
    smaller.write_text("\n".join(lines[:3]) + "\n")
    assert len(client.get("/api/v1/centers?near=02115&limit=50").get_json()["results"]) == 12
    with app.app_context():
        load_centers_file(smaller, catalog_cache().products)
    assert len(client.get("/api/v1/centers?near=02115&limit=50").get_json()["results"]) == 2
    assert client.get("/api/v1/centers/md-anderson-houston").status_code == 404
