"""The label's product, indication and age hold on every door: booking by API and by page,
referring by API and by form, and planning the infusion (API and page). A product not labelled
for the disease, or not for the patient's age, is a 422 from the API and a 400 form naming the
problem; nothing is stored."""

from datetime import date, timedelta

import pytest
from flask import Flask

from finder.storage.models import BookingRow, ReferralRow
from tests.accounts import CENTER_X, signed_in_client
from tests.test_booking_api import booking_body, count, free_slots
from tests.test_booking_api import publish as publish_by_api
from tests.test_booking_pages import form as booking_form
from tests.test_booking_pages import publish, slots
from tests.test_referral_api import Callers, create, today_at
from tests.test_referral_api import body as referral_body
from tests.test_referral_pages import field_error, post, refer_by_form, text
from tests.test_referral_pages import form as referral_form

ADULT = {"name": "Alex Doe", "birth_date": "1960-05-01", "email": "alex@example.org"}
# Off the label: Kymriah treats B-ALL up to 25 years and lymphomas in adults, never myeloma.
OFF_LABEL = {
    "a product not labelled for the disease": (
        {"indication": "MM", "product": "kymriah"},
        "not approved for this indication",
        "This product is not approved for this disease.",
    ),
    "an adult for a product labelled for B-ALL up to 25": (
        {"indication": "B-ALL", "product": "kymriah"},
        "not approved at the patient's age",
        "This product is not approved for this disease at the patient's age.",
    ),
}


@pytest.fixture
def api(app: Flask, accounts) -> Callers:
    return Callers(app, accounts)


@pytest.mark.parametrize("case", list(OFF_LABEL))
def test_the_booking_api_refuses_an_off_label_product_with_a_422(app, api, client, case):
    changes, reason, _ = OFF_LABEL[case]
    publish_by_api(api)
    slot = free_slots(client)[0]
    response = api["provider_a"].post("/bookings", booking_body(slot["id"], **changes))
    assert response.status_code == 422, response.json
    assert response.json["error"] == "not_on_label"
    assert response.json["fields"] == {"product": reason}
    assert "Kymriah" in response.json["message"]
    assert "1960" not in response.get_data(as_text=True)
    assert count(app, BookingRow) == count(app, ReferralRow) == 0


def test_the_booking_api_takes_a_child_for_kymriah_in_b_all(app, api, client):
    publish_by_api(api)
    slot = free_slots(client)[0]
    child = {**ADULT, "birth_date": (date.today() - timedelta(days=365 * 9)).isoformat()}
    changes = {"indication": "B-ALL", "product": "kymriah", "patient": child}
    response = api["provider_a"].post("/bookings", booking_body(slot["id"], **changes))
    assert response.status_code == 201, response.json


@pytest.mark.parametrize("case", list(OFF_LABEL))
def test_the_booking_page_refuses_an_off_label_product_with_a_400_naming_it(app, accounts, case):
    publish(app, CENTER_X)
    provider = signed_in_client(app, accounts["provider_a"])
    changes, _, words = OFF_LABEL[case]
    slot = slots(app)[0]
    response = provider.post(f"/book/{CENTER_X}", data=booking_form(provider, slot.id, **changes))
    assert response.status_code == 400
    assert field_error(response, "product") == words
    assert f"The consultation was not booked: {words}" in text(response)
    assert count(app, BookingRow) == count(app, ReferralRow) == 0


@pytest.mark.parametrize("case", list(OFF_LABEL))
def test_the_referral_api_refuses_an_off_label_product_with_a_422(app, api, case):
    changes, reason, _ = OFF_LABEL[case]
    response = api["provider_a"].post("/referrals", referral_body(patient=ADULT, **changes))
    assert response.status_code == 422, response.json
    assert response.json["error"] == "not_on_label"
    assert response.json["fields"] == {"product": reason}
    assert count(app, ReferralRow) == 0


@pytest.mark.parametrize("case", list(OFF_LABEL))
def test_the_referral_form_refuses_an_off_label_product_beside_its_field(app, accounts, case):
    provider = signed_in_client(app, accounts["provider_a"])
    changes, _, words = OFF_LABEL[case]
    response = post(provider, "/referrals/new", referral_form(**changes))
    assert response.status_code == 400
    assert field_error(response, "product") == words
    assert count(app, ReferralRow) == 0


def _young_adult_for_kymriah(api) -> tuple[dict, date]:
    """A referral for Kymriah in B-ALL of a patient who turns 26 in 60 days."""
    birthday = today_at() + timedelta(days=60)
    born = birthday.replace(year=birthday.year - 26)
    patient = {**ADULT, "birth_date": born.isoformat()}
    made = create(api, patient=patient, indication="B-ALL", product="kymriah")
    return made, birthday


def test_the_plan_api_refuses_an_infusion_after_the_label_age_with_a_422(app, api):
    made, birthday = _young_adult_for_kymriah(api)
    path = f"/referrals/{made['id']}/plan"
    late = api["provider_a"].put(path, {"planned_infusion": birthday.isoformat()})
    assert late.status_code == 422, late.json
    assert late.json["error"] == "not_on_label"
    assert "up to 25 years of age" in late.json["message"]
    early = birthday - timedelta(days=1)
    in_time = api["provider_a"].put(path, {"planned_infusion": early.isoformat()})
    assert in_time.status_code == 200, in_time.json
    assert in_time.json["planned_infusion"] == early.isoformat()


def test_the_plan_page_refuses_an_infusion_after_the_label_age_beside_its_field(app, api, accounts):
    made, birthday = _young_adult_for_kymriah(api)
    provider = signed_in_client(app, accounts["provider_a"])
    path = f"/referrals/{made['id']}/plan"
    response = post(provider, path, {"planned_infusion": birthday.isoformat(), "home": ""})
    assert response.status_code == 400
    assert field_error(response, "plan-infusion") == (
        "On this date the patient's age is outside the product's label for this disease."
    )
    assert api["provider_a"].get(f"/referrals/{made['id']}").json["planned_infusion"] is None


def test_a_referral_without_a_product_is_not_held_to_a_label(app, accounts):
    provider = signed_in_client(app, accounts["provider_a"])
    assert refer_by_form(provider, indication="MM", product="")
