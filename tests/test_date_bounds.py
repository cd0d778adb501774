"""Dates have bounds on every door: a closure ends no earlier than today at the center and
reaches at most two years beyond its booking horizon (API and staff page agree), and a date in
a query is one the service can count with (never a 500 for the year 9999)."""

from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from finder.storage.models import ClosureRow
from tests.accounts import CENTER_X, csrf_token, signed_in_client
from tests.test_booking_api import count
from tests.test_booking_api import publish as publish_by_api
from tests.test_referral_api import Callers

BOSTON = ZoneInfo("America/New_York")
BASE = f"/staff/centers/{CENTER_X}"
HORIZON_DAYS = 14  # the hours tests.test_booking_api publishes


def today() -> date:
    return datetime.now(UTC).astimezone(BOSTON).date()


def latest() -> date:
    return today() + timedelta(days=HORIZON_DAYS + 730)


@pytest.fixture
def api(app: Flask, accounts) -> Callers:
    callers = Callers(app, accounts)
    publish_by_api(callers)
    return callers


CLOSURES = {
    "in 1990": ({"start": "1990-01-01", "end": "1990-01-02"}, "end", "must not end before"),
    "ended yesterday": (
        {"date": (date.today() - timedelta(days=3)).isoformat()},
        "end",
        "must not end before",
    ),
    "in the year 2990": ({"start": "2990-12-31", "end": "2990-12-31"}, "start", "too far ahead"),
    "reaching into the year 2990": (
        {"start": (date.today() + timedelta(days=30)).isoformat(), "end": "2990-12-31"},
        "end",
        "too far ahead",
    ),
    "begun long ago": ({"start": "1999-01-01", "end": "2099-01-01"}, "start", "a year before"),
}


@pytest.mark.parametrize("case", list(CLOSURES))
def test_the_api_refuses_a_closure_outside_its_window_with_a_422(app, api, case):
    dates, field, reason = CLOSURES[case]
    response = api["staff_x"].post(f"/centers/{CENTER_X}/closures", {**dates, "reason": "Works"})
    assert response.status_code == 422, response.json
    assert response.json["error"] == "invalid_closure"
    assert reason in response.json["fields"][field]
    assert count(app, ClosureRow) == 0


def test_the_api_takes_a_closure_up_to_the_last_day_of_its_window(app, api):
    last = latest()
    response = api["staff_x"].post(
        f"/centers/{CENTER_X}/closures", {"date": last.isoformat(), "reason": "Works"}
    )
    assert response.status_code == 201, response.json
    too_far = api["staff_x"].post(
        f"/centers/{CENTER_X}/closures",
        {"date": (last + timedelta(days=1)).isoformat(), "reason": "Works"},
    )
    assert too_far.status_code == 422
    assert last.isoformat() in too_far.json["message"]


def test_before_hours_are_published_a_closure_may_reach_two_years_ahead(app, accounts):
    callers = Callers(app, accounts)  # no hours: the horizon counts as 0 days
    two_years = today() + timedelta(days=730)
    for day, status in ((two_years, 201), (two_years + timedelta(days=1), 422)):
        response = callers["staff_x"].post(
            f"/centers/{CENTER_X}/closures", {"date": day.isoformat(), "reason": "Works"}
        )
        assert response.status_code == status, response.json


def test_a_closure_reason_with_a_line_break_is_refused_by_the_api(app, api):
    response = api["staff_x"].post(
        f"/centers/{CENTER_X}/closures",
        {"date": today().isoformat(), "reason": "Team\u2028away"},
    )
    assert response.status_code == 422
    assert response.json["fields"] == {"reason": "contains characters that are not allowed"}


PAGE_CLOSURES = {
    "a past day": (
        {"start": "2001-01-01", "end": ""},
        "This date has passed: a closure must not end before today.",
    ),
    "a range ended long ago": (
        {"start": "1990-01-01", "end": "1990-01-02"},
        "This date has passed: a closure must not end before today.",
    ),
    "a day in the year 2990": (
        {"start": "2990-12-31", "end": ""},
        "Too far ahead: closures can be entered up to two years beyond the booking horizon.",
    ),
}


@pytest.mark.parametrize("case", list(PAGE_CLOSURES))
def test_the_staff_page_refuses_the_same_closures_with_a_400_beside_the_first_day(
    app, api, accounts, case
):
    dates, words = PAGE_CLOSURES[case]
    staff = signed_in_client(app, accounts["staff_x"])
    response = staff.post(
        f"{BASE}/closures", data={**dates, "reason": "Works", "csrf_token": csrf_token(staff)}
    )
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    field = "end" if dates["end"] else "start"
    assert f'<p class="field-error" id="closure-{field}-error">{words}</p>' in page
    assert count(app, ClosureRow) == 0


def test_the_staff_page_speaks_spanish_about_a_past_closure(app, api, accounts):
    staff = signed_in_client(app, accounts["staff_x"])
    response = staff.post(
        f"{BASE}/closures?lang=es",
        data={"start": "2001-01-01", "reason": "Obras", "csrf_token": csrf_token(staff)},
    )
    assert response.status_code == 400
    assert "Esta fecha ya pasó" in unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "path",
    [
        f"/centers/{CENTER_X}/slots?from=9999-12-31",
        f"/centers/{CENTER_X}/slots?to=0001-01-01",
        "/bookings?to=9999-12-31",
        "/bookings?from=0001-01-01",
        f"/centers/{CENTER_X}/bookings?from=9999-12-31",
    ],
)
def test_a_query_date_out_of_any_range_is_a_422_not_a_500(app, api, path):
    response = api["staff_x"].get(path)
    assert response.status_code == 422, response.json
    assert "between 1900-01-01 and 2999-12-31" in response.json["message"]


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01", "since=2024-02-30"])
def test_the_audit_log_refuses_a_date_out_of_range_with_a_400(app, accounts, query):
    admin = signed_in_client(app, accounts["admin"])
    for path in ("/admin/audit", "/admin/audit.csv"):
        response = admin.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert "between the years 2000 and 2999" in response.get_data(as_text=True)


def test_a_stage_dated_before_2000_is_refused_by_the_api_and_the_page(app, accounts):
    from tests.test_referral_api import create
    from tests.test_referral_pages import field_error, post

    callers = Callers(app, accounts)
    made = create(callers)
    path = f"/referrals/{made['id']}/correction"
    api_answer = callers["provider_a"].post(
        f"/referrals/{made['id']}/stage",
        {"stage": "referral", "at": "0001-01-01", "correction": True, "note": "typo"},
    )
    assert api_answer.status_code == 422, api_answer.json
    assert api_answer.json["fields"] == {"at": "must not be before 2000-01-01"}
    provider = signed_in_client(app, accounts["provider_a"])
    page = post(provider, path, {"stage": "referral", "at": "1999-12-31", "note": "typo"})
    assert page.status_code == 400
    assert field_error(page, "fix-at") == "Choose January 1, 2000 or later."
