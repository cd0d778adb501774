"""The center's profile page: its staff change it, read the history; an admin reverts."""

import re
from html import unescape

import pytest
from flask import Flask

from tests.accounts import CENTER_X, CENTER_Y, csrf_token, signed_in_client

PAGE = f"/staff/centers/{CENTER_X}/profile"
PRODUCTS = ["kymriah", "yescarta", "tecartus", "breyanzi", "abecma", "carvykti"]


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def words(response) -> str:
    """The page's words without tags, on one line."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).replace(" :", ":").split())


def form(client, **changes) -> dict:
    data = {
        "csrf_token": csrf_token(client),
        "products": PRODUCTS,
        "populations": ["adult"],
        "phone": "+1-617-632-3000",
        "referral_phone": "",
        "referral_fax": "",
        "referral_email": "",
        "accepting_referrals": "",
        "outpatient": "",
        "languages": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def staff(app: Flask, accounts):
    return signed_in_client(app, accounts["staff_x"])


@pytest.fixture
def admin(app: Flask, accounts):
    return signed_in_client(app, accounts["admin"])


def test_the_page_shows_each_claim_and_the_form(staff):
    page = text(staff.get(PAGE))
    assert "Public profile of Dana-Farber Cancer Institute" in page
    assert "Breyanzi: reported, not confirmed" in words(staff.get(PAGE))
    assert 'name="referral_fax"' in page and "No change yet." in page


def test_saving_confirms_the_products_and_records_each_change(client, staff):
    response = staff.post(
        PAGE,
        data=form(staff, products=["breyanzi"], referral_phone="617 632 5000",
                  accepting_referrals="yes", languages="English, Spanish"),
    )  # fmt: skip
    assert response.status_code == 303
    page = words(staff.get(PAGE))
    assert "The profile is saved" in page
    assert "Breyanzi: confirmed by the center" in page
    assert "+1-617-632-5000" in page and "English, Spanish" in page
    for label in ("Products given", "Referral phone", "Accepting new referrals", "Languages"):
        assert label in page
    found = client.get("/api/v1/centers", query_string={"near": "02115", "product": "breyanzi"})
    assert found.get_json()["results"][0]["claim"]["status"] == "confirmed"


def test_bad_input_is_shown_beside_its_field_and_nothing_changes(staff):
    response = staff.post(PAGE, data=form(staff, referral_fax="fax me"))
    assert response.status_code == 400
    page = text(response)
    assert 'aria-invalid="true"' in page and "a US phone number" in page
    assert "No change yet." in page


def test_another_centers_staff_and_providers_cannot_reach_the_page(app, accounts):
    other = signed_in_client(app, accounts["staff_y"])
    assert other.get(PAGE).status_code == 404
    assert other.post(PAGE, data=form(other)).status_code == 404
    assert other.get(f"/staff/centers/{CENTER_Y}/profile").status_code == 200
    provider = signed_in_client(app, accounts["provider_a"])
    assert provider.get(PAGE).status_code == 403


def test_an_admin_reverts_a_change_from_the_page(app, staff, admin):
    staff.post(PAGE, data=form(staff, phone="617-632-3999"))
    page = text(admin.get(PAGE))
    assert "Revert" in page
    from finder.centers.profile import changes_of
    from finder.storage import db

    with app.app_context():
        change_id = changes_of(db.session(), CENTER_X)[0].id
    target = f"{PAGE}/changes/{change_id}/revert"
    assert staff.post(target, data={"csrf_token": csrf_token(staff)}).status_code == 403
    response = admin.post(target, data={"csrf_token": csrf_token(admin)})
    assert response.status_code == 303
    page = text(admin.get(PAGE))
    assert "The change is reverted." in page and "reverted" in page
    assert 'value="+1-617-632-3000"' in page


def test_the_page_speaks_spanish(staff):
    page = text(staff.get(PAGE + "?lang=es"))
    assert "Perfil público" in page


def test_a_product_search_card_says_how_sure_the_claim_is(client, staff):
    page = words(client.get("/", query_string={"near": "02115", "product": "Breyanzi"}))
    assert "Breyanzi: reported, not confirmed · checked more than a year ago" in page
    staff.post(PAGE, data=form(staff, products=["breyanzi"]))
    page = words(client.get("/", query_string={"near": "02115", "product": "liso-cel"}))
    assert "Breyanzi: confirmed by the center on" in page
