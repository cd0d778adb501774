"""The coverage API, page and CSV through the test client: the contract, access, bad input."""

import pytest

from tests.accounts import accounts, bearer_token, csrf_token, signed_in_client  # noqa: F401

CANDIDATES = [
    {"label": "Boise", "lat": 43.62, "lon": -116.21},
    {"label": "Fargo", "lat": 46.88, "lon": -96.79},
    {"label": "Las Vegas", "lat": 36.17, "lon": -115.14},
]


def test_coverage_follows_the_contract(client):
    response = client.get("/api/v1/coverage?rule=us-2025&product=CD19")
    assert response.status_code == 200
    body = response.get_json()
    assert {"rule", "product", "population_total", "bands", "by_state", "source"} <= set(body)
    assert body["rule"] == "us-2025" and body["product"] == "CD19"
    assert [b["max_minutes"] for b in body["bands"]] == [60, 120, 240]
    assert set(body["bands"][0]) == {"max_minutes", "population", "share"}
    assert {"state", "population", "within", "share"} <= set(body["by_state"][0])
    assert sum(r["population"] for r in body["by_state"]) == body["population_total"]
    assert [m["state"] for m in body["source"]["missing"]] == ["AS", "GU", "MP", "VI"]


def test_one_state(client):
    body = client.get("/api/v1/coverage?state=PR").get_json()
    assert [r["state"] for r in body["by_state"]] == ["PR"]
    assert body["population_total"] == body["by_state"][0]["population"]


@pytest.mark.parametrize(
    "query", ["state=ZZ", "product=CD22", "rule=mars", "near=02115", "state=TX&state=CA"]
)
def test_bad_queries_are_400(client, query):
    response = client.get(f"/api/v1/coverage?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


def test_the_planner_is_for_staff_and_admins(app, client, accounts):  # noqa: F811
    body = {"k": 1, "candidates": CANDIDATES[:1]}
    assert client.post("/api/v1/coverage/plan", json=body).status_code == 401
    provider = _bearer(app, accounts["provider_a"])
    assert client.post("/api/v1/coverage/plan", json=body, headers=provider).status_code == 403
    for key in ("staff_x", "admin"):
        response = client.post(
            "/api/v1/coverage/plan",
            json={"k": 2, "rule": "us-2025", "candidates": CANDIDATES},
            headers=_bearer(app, accounts[key]),
        )
        assert response.status_code == 200, response.get_json()
        plan = response.get_json()
        assert {"before", "after", "sites"} <= set(plan)
        assert plan["before"] <= plan["after"] <= 1
        assert len(plan["sites"]) == 2 and plan["method"] == "exact"
        assert set(plan["sites"][0]) == {"label", "lat", "lon", "state", "gain"}
        gains = [s["gain"] for s in plan["sites"]]
        assert gains == sorted(gains, reverse=True)
        assert plan["population_after"] - plan["population_before"] == sum(gains)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"k": 0},
        {"k": 51},
        {"k": "2"},
        {"k": 1, "candidates": []},
        {"k": 1, "candidates": [{"label": "x", "lat": 91, "lon": 0}]},
        {"k": 1, "candidates": [{"label": " ", "lat": 40, "lon": -90}]},
        {"k": 1, "candidates": [{"label": "x", "lat": 40}]},
        {"k": 1, "extra": True},
    ],
)
def test_bad_plans_are_400(app, client, accounts, body):  # noqa: F811
    response = client.post(
        "/api/v1/coverage/plan", json=body, headers=_bearer(app, accounts["admin"])
    )
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] in ("bad_request", "unknown_reference")


@pytest.mark.parametrize("body", [{"k": 1, "product": "CD22"}, {"k": 1, "rule": "mars"}])
def test_an_unknown_rule_or_product_is_422(app, client, accounts, body):  # noqa: F811
    response = client.post(
        "/api/v1/coverage/plan", json=body, headers=_bearer(app, accounts["admin"])
    )
    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_plan"


def test_the_page_the_csv_and_spanish(client):
    page = client.get("/coverage?product=BCMA")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Who can reach CAR T" in html and 'id="by-state"' in html
    assert "Sign in as center staff" in html and 'id="plan-form"' not in html
    csv = client.get("/coverage.csv?product=BCMA")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("state,population,within_60_min")
    assert lines[-1].startswith("ALL,334726586,")
    spanish = client.get("/coverage?lang=es").get_data(as_text=True)
    assert "Quién puede llegar a CAR T" in spanish
    assert client.get("/coverage?state=ZZ").status_code == 400


def test_the_planner_form(app, accounts):  # noqa: F811
    staff = signed_in_client(app, accounts["staff_x"])
    page = staff.get("/coverage").get_data(as_text=True)
    assert 'id="plan-form"' in page
    form = {"csrf_token": _token(staff), "k": "1", "rule": "us-2025", "candidates": "83702"}
    response = staff.post("/coverage/plan", data=form)
    assert response.status_code == 200
    assert 'id="plan-result"' in response.get_data(as_text=True)
    form["candidates"] = "Nowhere At All, ZZ"
    assert staff.post("/coverage/plan", data=form).status_code == 422
    form["k"] = "x"
    assert staff.post("/coverage/plan", data=form).status_code == 422
    provider = signed_in_client(app, accounts["provider_a"])
    assert (
        provider.post("/coverage/plan", data={**form, "csrf_token": _token(provider)}).status_code
        == 403
    )


def _token(client) -> str:
    return csrf_token(client)


def _bearer(app, account) -> dict[str, str]:
    return {"Authorization": f"Bearer {bearer_token(app, account.email)}"}


def test_the_commands(runner, tmp_path):
    result = runner.invoke(args=["coverage", "--product", "BCMA", "--json"])
    assert result.exit_code == 0, result.output
    assert '"product": "BCMA"' in result.output
    table = runner.invoke(args=["coverage", "--state", "HI"])
    assert table.exit_code == 0 and table.output.splitlines()[2].startswith("HI")
    assert runner.invoke(args=["coverage", "--state", "ZZ"]).exit_code == 2
    candidates = tmp_path / "candidates.csv"
    candidates.write_text("label,lat,lon\nBoise,43.62,-116.21\nFargo,46.88,-96.79\n")
    plan = runner.invoke(args=["plan-sites", "--k", "1", "--candidates", str(candidates), "--json"])
    assert plan.exit_code == 0, plan.output
    assert '"method": "exact"' in plan.output
    candidates.write_text("label,lat,lon\nBoise,north,-116.21\n")
    bad = runner.invoke(args=["plan-sites", "--k", "1", "--candidates", str(candidates)])
    assert bad.exit_code == 2 and ":2: needs label, lat and lon." in bad.output
