"""A center's staff keep its public profile: changes take effect at once, confirm the claims,
are recorded field by field, and an admin can revert one. Every test runs on SQLite and
PostgreSQL (the `app` fixture's database)."""

import pytest
from flask import Flask

from tests.accounts import CENTER_X, CENTER_Y, Account, bearer_token
from tests.conftest import SMALL_CENTERS


class Caller:
    def __init__(self, app: Flask, account: Account) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {bearer_token(app, account.email)}"}

    def patch(self, center_id: str, body: object):
        return self.client.patch(f"/api/v1/centers/{center_id}", json=body, headers=self.headers)

    def changes(self, center_id: str):
        return self.client.get(f"/api/v1/centers/{center_id}/changes", headers=self.headers)

    def revert(self, center_id: str, change_id: int | str):
        return self.client.post(
            f"/api/v1/centers/{center_id}/changes/{change_id}/revert", headers=self.headers
        )


@pytest.fixture
def staff_x(app, accounts) -> Caller:
    return Caller(app, accounts["staff_x"])


@pytest.fixture
def staff_y(app, accounts) -> Caller:
    return Caller(app, accounts["staff_y"])


@pytest.fixture
def admin(app, accounts) -> Caller:
    return Caller(app, accounts["admin"])


def search(client, product: str) -> list[dict]:
    response = client.get("/api/v1/centers", query_string={"near": "02115", "product": product})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def test_a_staff_edit_is_in_the_next_search_as_confirmed(client, staff_x):
    before = next(r for r in search(client, "breyanzi") if r["id"] == CENTER_X)
    assert before["claim"]["status"] == "reported" and before["rests_on_reported"]
    response = staff_x.patch(CENTER_X, {"products": ["Breyanzi", "axi-cel"]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["products"] == ["yescarta", "breyanzi"]
    assert {c["status"] for c in body["product_claims"]} == {"confirmed"}
    found = search(client, "breyanzi")
    assert found[0]["id"] == CENTER_X  # confirmed claims come first
    assert found[0]["claim"]["status"] == "confirmed" and not found[0]["rests_on_reported"]
    assert all(r["rests_on_reported"] for r in found[1:])
    assert CENTER_X not in [r["id"] for r in search(client, "kymriah")]
    one = client.get(f"/api/v1/centers/{CENTER_X}").get_json()
    assert [c["product"] for c in one["product_claims"]] == ["yescarta", "breyanzi"]


def test_the_profile_fields_are_stored_and_shown(client, staff_x):
    response = staff_x.patch(
        CENTER_X,
        {
            "populations": ["pediatric", "adult"],
            "phone": "(617) 632-3000",
            "referral_phone": "617.632.5000",
            "referral_fax": "+1 617 632 5001",
            "referral_email": "cart-referrals@example.org",
            "accepting_referrals": False,
            "outpatient": True,
            "languages": ["English", "Spanish", "Portuguese"],
        },
    )
    assert response.status_code == 200, response.get_json()
    body = client.get(f"/api/v1/centers/{CENTER_X}").get_json()
    assert body["populations"] == ["adult", "pediatric"]
    assert body["phone"] == "+1-617-632-3000"
    assert body["referral_contact"] == {
        "phone": "+1-617-632-5000",
        "fax": "+1-617-632-5001",
        "email": "cart-referrals@example.org",
    }
    assert body["accepting_referrals"] is False and body["outpatient"] is True
    assert body["languages"] == ["English", "Spanish", "Portuguese"]


def test_another_centers_staff_get_404(staff_y):
    assert staff_y.patch(CENTER_X, {"phone": "617-632-3000"}).status_code == 404
    assert staff_y.changes(CENTER_X).status_code == 404
    assert staff_y.patch(CENTER_Y, {"phone": "713-792-2121"}).status_code == 200


def test_providers_and_strangers_may_not_change_a_profile(app, accounts, client):
    provider = Caller(app, accounts["provider_a"])
    assert provider.patch(CENTER_X, {"phone": "617-632-3000"}).status_code == 403
    assert client.patch(f"/api/v1/centers/{CENTER_X}", json={"phone": ""}).status_code == 401
    assert client.get(f"/api/v1/centers/{CENTER_X}/changes").status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        # What the document refuses: 400.
        ({}, "body", 400),
        ({"nope": 1}, "body", 400),
        ({"accepting_referrals": "yes"}, "accepting_referrals", 400),
        ({"outpatient": 1}, "outpatient", 400),
        ({"products": "breyanzi"}, "products", 400),
        ({"languages": ["Eng\u0000lish"]}, None, 400),
        ({"languages": ["Eng\u0007lish"]}, "languages.0", 400),
        # What the document allows but the profile cannot take: 422.
        ({"phone": "call us"}, "phone", 422),
        ({"phone": "555-1234"}, "phone", 422),
        ({"referral_fax": "+1-017-632-3000"}, "referral_fax", 422),
        ({"referral_email": "not an address"}, "referral_email", 422),
        ({"products": ["unobtainium"]}, "products", 422),
        ({"products": ["Breyanzi", "liso-cel"]}, "products", 422),
        ({"populations": ["elderly"]}, "populations", 422),
        ({"languages": ["English", "english"]}, "languages", 422),
        ({"languages": [""]}, "languages", 422),
    ],
)
def test_bad_profile_input_gets_a_clear_4xx_and_changes_nothing(staff_x, body, field, status):
    response = staff_x.patch(CENTER_X, body)
    assert response.status_code == status, response.get_json()
    answer = response.get_json()
    assert answer["message"]
    if field is not None:
        assert field in answer["fields"] or "body" in answer["fields"], answer
    assert staff_x.changes(CENTER_X).get_json()["changes"] == []


def test_a_body_that_is_no_json_object_is_400(staff_x):
    response = staff_x.client.patch(
        f"/api/v1/centers/{CENTER_X}", data="[1]", headers=staff_x.headers,
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400


def test_the_history_lists_every_change(staff_x, accounts):
    staff_x.patch(CENTER_X, {"phone": "617-632-3001"})
    staff_x.patch(CENTER_X, {"phone": "617-632-3002", "accepting_referrals": True})
    staff_x.patch(CENTER_X, {"products": ["kymriah"]})
    changes = staff_x.changes(CENTER_X).get_json()["changes"]
    assert [(c["field"], c["before"], c["after"]) for c in changes] == [
        ("products", ["kymriah", "yescarta", "tecartus", "breyanzi", "abecma", "carvykti"],
         ["kymriah"]),
        ("accepting_referrals", None, True),
        ("phone", "+1-617-632-3001", "+1-617-632-3002"),
        ("phone", "+1-617-632-3000", "+1-617-632-3001"),
    ]  # fmt: skip
    assert {c["by"] for c in changes} == {accounts["staff_x"].email}
    assert all(c["at"] for c in changes)


def test_an_admin_reverts_a_change_and_the_revert_is_recorded(client, staff_x, admin):
    staff_x.patch(CENTER_X, {"products": ["kymriah"]})
    change = staff_x.changes(CENTER_X).get_json()["changes"][0]
    assert staff_x.revert(CENTER_X, change["id"]).status_code == 403
    response = admin.revert(CENTER_X, change["id"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["products"] == change["before"]
    # The claims come back with their own sources: reported, not confirmed.
    assert {c["status"] for c in body["product_claims"]} == {"reported"}
    assert any(r["id"] == CENTER_X for r in search(client, "breyanzi"))
    history = admin.changes(CENTER_X).get_json()["changes"]
    assert history[0]["revert_of"] == change["id"]
    assert history[1]["reverted_by"] == history[0]["id"]
    assert admin.revert(CENTER_X, change["id"]).status_code == 422  # once only
    assert admin.revert(CENTER_X, history[0]["id"]).status_code == 422  # a revert is not undone
    assert admin.revert(CENTER_X, 99999).status_code == 404
    assert admin.revert(CENTER_X, "x").status_code == 404
    assert admin.revert(CENTER_Y, change["id"]).status_code == 404  # another center's change


def test_a_later_change_must_be_reverted_first(staff_x, admin):
    staff_x.patch(CENTER_X, {"phone": "617-632-3001"})
    staff_x.patch(CENTER_X, {"phone": "617-632-3002"})
    first = staff_x.changes(CENTER_X).get_json()["changes"][-1]
    response = admin.revert(CENTER_X, first["id"])
    assert response.status_code == 422
    assert "later change" in response.get_json()["message"]


def test_a_load_that_conflicts_with_a_confirmed_field_reports_it_and_changes_nothing(
    app, client, staff_x, runner
):
    staff_x.patch(CENTER_X, {"products": ["breyanzi"], "phone": "617-632-3999"})
    result = runner.invoke(args=["load-centers", str(SMALL_CENTERS)])
    assert result.exit_code == 1
    assert f"conflict: {CENTER_X}: products: the center confirmed breyanzi" in result.output
    assert f"conflict: {CENTER_X}: phone" in result.output
    assert "nothing was loaded" in result.output
    body = client.get(f"/api/v1/centers/{CENTER_X}").get_json()
    assert body["products"] == ["breyanzi"] and body["phone"] == "+1-617-632-3999"
    assert body["product_claims"][0]["status"] == "confirmed"


def test_a_load_that_agrees_with_the_confirmed_fields_keeps_them_confirmed(client, staff_x, runner):
    products = ["kymriah", "yescarta", "tecartus", "breyanzi", "abecma", "carvykti"]
    staff_x.patch(CENTER_X, {"products": products, "languages": ["English"]})
    result = runner.invoke(args=["load-centers", str(SMALL_CENTERS)])
    assert result.exit_code == 0, result.output
    body = client.get(f"/api/v1/centers/{CENTER_X}").get_json()
    assert {c["status"] for c in body["product_claims"]} == {"confirmed"}
    assert body["languages"] == ["English"]


def test_dry_run_prints_what_a_load_would_add_change_and_deactivate(tmp_path, runner, client):
    lines = SMALL_CENTERS.read_text().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    kept = [row for row in rows if not row.startswith("test-hilo,")]
    kept = [
        row.replace("Dana-Farber Cancer Institute", "Dana-Farber Cancer Institute (DFCI)")
        for row in kept
    ]
    new = rows[0].replace("dana-farber-boston", "dana-farber-new", 1)
    path = tmp_path / "next.csv"
    path.write_text(header + "".join(kept) + new)
    result = runner.invoke(args=["load-centers", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "add: 1\n  + dana-farber-new" in result.output
    assert f"~ {CENTER_X}: name" in result.output
    assert "deactivate: 1\n  - test-hilo" in result.output
    assert "nothing was changed" in result.output
    assert client.get("/api/v1/centers/dana-farber-new").status_code == 404
    assert client.get("/api/v1/centers/test-hilo").status_code == 200
