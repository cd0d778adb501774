"""Each limit on hostile input, shown once with the answer it gets: a clear 4xx in the app's
usual form (JSON for the API, the error page for pages), never a server error."""

from datetime import date, timedelta

import pytest
from flask import Flask

from tests.accounts import CENTER_X, bearer_token, csrf_token, signed_in_client

HUGE = "99999999999999999999"  # beyond 64 bits
SOON = (date.today() + timedelta(days=7)).isoformat()


def nested(depth: int, *, objects: bool = False) -> str:
    if objects:
        return '{"a":' * depth + "1" + "}" * depth
    return "[" * depth + "]" * depth


@pytest.fixture
def admin(app: Flask, accounts):
    return signed_in_client(app, accounts["admin"])


@pytest.fixture
def staff(app: Flask, accounts):
    return signed_in_client(app, accounts["staff_x"])


@pytest.mark.parametrize("objects", [False, True])
def test_json_nested_100000_deep_is_invalid_json_even_signed_out(client, objects):
    response = client.post(
        "/api/v1/auth/token", data=nested(100_000, objects=objects), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    assert "64 levels" in response.get_json()["message"]


def test_json_nests_up_to_64_levels_then_no_further(app, accounts):
    headers = {"Authorization": f"Bearer {bearer_token(app, accounts['provider_a'].email)}"}
    client = app.test_client()
    for depth, fields in ((63, {"search": "must be of type string"}), (64, None)):
        body = '{"search": ' + nested(depth) + "}"
        response = client.post(
            "/api/v1/referrals/search", data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 400
        assert response.get_json().get("fields") == fields


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", '"\\ud800"'])
def test_json_that_is_no_json_value_or_no_text_is_invalid(client, value):
    body = '{"email": "a@example.org", "password": ' + value + "}"
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["message"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
def test_a_date_parameter_beyond_the_days_any_request_names_is_unusable(client, day):
    response = client.get(f"/api/v1/centers/{CENTER_X}/slots?from={day}")
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"from": "must be between 1900-01-01 and 2999-12-31"}


def test_the_bookings_list_refuses_a_last_day_at_the_end_of_the_calendar(app, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    response = client.get("/api/v1/bookings?to=9999-12-31")
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"to": "must be between 1900-01-01 and 2999-12-31"}


@pytest.mark.parametrize("user_id", [HUGE, "9" * 5000, "2147483648", "%D9%A5"])
def test_a_user_number_no_column_holds_is_a_404_page(admin, user_id):
    response = admin.get(f"/admin/users/{user_id}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_a_staff_booking_number_no_column_holds_is_a_404(staff):
    response = staff.get(f"/staff/centers/{CENTER_X}/bookings/{HUGE}")
    assert response.status_code == 404
    response = staff.post(
        f"/staff/centers/{CENTER_X}/bookings/1/reminders/{HUGE}/resend",
        data={"csrf_token": csrf_token(staff)},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [
        (f"page={HUGE}", 400),
        ("page=1000000001", 400),
        ("page=abc", 200),  # as always: not a number is the first page
        ("page=-3", 200),
        (f"actor={HUGE}", 400),
        ("actor=%D9%A5%C2%B2", 200),  # not a number: no filter, as always
        ("until=9999-12-31", 400),
        ("since=0001-01-01", 400),
    ],
)
def test_the_audit_log_bounds_its_page_user_number_and_dates(admin, query, status):
    assert admin.get(f"/admin/audit?{query}").status_code == status
    if not query.startswith("page="):  # the export has every page
        assert admin.get(f"/admin/audit.csv?{query}").status_code == status


def test_a_date_out_of_range_on_the_audit_log_says_how_to_write_one(admin):
    response = admin.get("/admin/audit?until=9999-12-31&lang=es")
    assert "AAAA-MM-DD" in response.get_data(as_text=True)


def test_a_query_string_that_is_not_utf8_is_read_with_its_bytes_escaped(client):
    page = client.get("/", environ_overrides={"QUERY_STRING": "near=\xff\xfe"})
    assert page.status_code in (200, 422)
    api = client.get("/api/v1/rules", environ_overrides={"QUERY_STRING": "\xff=1"})
    assert api.status_code == 400
    assert api.get_json()["fields"] == {"%FF": "unknown parameter"}


def test_a_csrf_token_with_text_beyond_ascii_is_refused_as_any_wrong_token(client):
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": "a@example.org", "csrf_token": "é" * 40})
    assert response.status_code == 400
    assert b"Reload the page" in response.data


def test_a_closure_at_the_end_of_the_calendar_is_refused_on_the_page_and_in_the_api(
    app, accounts, staff
):
    page = staff.post(
        f"/staff/centers/{CENTER_X}/closures",
        data={"start": SOON, "end": "9999-12-31", "reason": "x", "csrf_token": csrf_token(staff)},
    )
    assert page.status_code == 400
    assert "2027-03-15" in page.get_data(as_text=True)  # the page's own hint
    headers = {"Authorization": f"Bearer {bearer_token(app, accounts['staff_x'].email)}"}
    api = app.test_client().post(
        f"/api/v1/centers/{CENTER_X}/closures",
        json={"date": "9999-12-31", "reason": "x"},
        headers=headers,
    )
    assert api.status_code == 422
    assert api.get_json()["fields"] == {
        "date": "must be a date YYYY-MM-DD between 1900-01-01 and 2999-12-31"
    }


def test_a_stage_dated_in_year_one_is_refused_even_as_a_correction_of_the_first_entry(
    app, accounts
):
    provider = signed_in_client(app, accounts["provider_a"])
    token = csrf_token(provider)
    headers = {"X-CSRF-Token": token}
    made = provider.post(
        "/api/v1/referrals",
        json={"center_id": CENTER_X, "patient": {"name": "Ada Byrne", "birth_date": "1950-01-01"}},
        headers=headers,
    )
    assert made.status_code == 201, made.get_json()
    referral = made.get_json()["id"]
    api = provider.post(
        f"/api/v1/referrals/{referral}/stage",
        json={"stage": "referral", "at": "0001-01-01", "correction": True, "note": "Wrong day."},
        headers=headers,
    )
    assert api.status_code == 422
    assert api.get_json()["fields"] == {"at": "must not be before 2000-01-01"}
    page = provider.post(
        f"/referrals/{referral}/correction",
        data={
            "stage": "referral",
            "at": "0001-01-01",
            "note": "Wrong day.",
            "csrf_token": token,
        },
    )
    assert page.status_code == 400
    assert "2000" in page.get_data(as_text=True)  # "Choose 1 January 2000 or later."
