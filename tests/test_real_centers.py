"""Searches over the shipped list of centers, through the API."""

import pytest

from finder.config import PROJECT_ROOT


@pytest.fixture
def real_client(make_app):
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache

    app = make_app()
    with app.app_context():
        load_centers_file(PROJECT_ROOT / "data" / "centers.csv", catalog_cache().products)
    return app.test_client()


def search(client, near: str, **params) -> list[dict]:
    response = client.get("/api/v1/centers", query_string={"near": near, "limit": 500, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def test_a_boston_patient_has_several_centers_within_two_hours(real_client):
    results = search(real_client, "02115")
    within = [r for r in results if r["within_proximity"]]
    assert len(within) >= 3
    assert all(r["address"]["state"] in ("MA", "RI", "NH", "CT") for r in within[:3])


def test_an_oahu_patient_stays_on_oahu(real_client):
    results = search(real_client, "Honolulu, HI")
    hawaii = [r for r in results if r["address"]["state"] == "HI"]
    assert hawaii and results[: len(hawaii)] == hawaii
    assert all(r["within_proximity"] for r in hawaii)
    assert all(r["drive_minutes"] is None for r in results[len(hawaii) :])


def test_a_maui_patient_has_no_road_to_any_center(real_client):
    results = search(real_client, "96793")  # Wailuku, Maui
    assert all(not r["drivable"] and not r["within_proximity"] for r in results)
    assert results[0]["address"]["state"] == "HI"  # nearest by distance: Oahu


def test_a_puerto_rico_patient_never_drives_to_the_mainland(real_client):
    results = search(real_client, "00918")
    mainland = [r for r in results if r["address"]["state"] != "PR"]
    assert mainland and all(r["drive_minutes"] is None for r in mainland)


def test_an_anchorage_patient_has_no_road_and_sees_seattle_first(real_client):
    results = search(real_client, "99501")
    assert all(not r["drivable"] for r in results)
    assert results[0]["address"]["state"] == "WA"


def test_a_rural_patient_can_be_beyond_every_radius(real_client):
    results = search(real_client, "59301")  # Miles City, Montana
    assert not any(r["within_proximity"] for r in results)
    assert results[0]["drive_minutes"] > 120


def test_pediatric_search_finds_only_centers_for_children(real_client):
    results = search(real_client, "Chicago, IL", population="pediatric")
    assert results
    assert all("pediatric" in r["populations"] and "kymriah" in r["products"] for r in results)
