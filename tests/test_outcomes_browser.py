"""The booking outcomes by month on the center's referrals page, in a real headless Chromium:
a captioned table with a row per month, no axe violations, a phone's width, the keyboard, and
Spanish."""

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.accounts import Account, add_account
from tests.browser import axe_violations, screenshot
from tests.test_account_browser import PHONE, sign_in
from tests.test_outcomes import book_this_month
from tests.test_referral_browser import DESKTOP, no_sideways_scroll

# No other browser test books at Yale: its months hold only the bookings made here.
CENTER = "yale-smilow-new-haven"
SCREENS = {"desktop": DESKTOP, "phone": {**PHONE, "locale": "en-US"}}
PAGE = f"/staff/centers/{CENTER}/referrals"


@pytest.fixture(scope="module")
def booked(live_app: Flask) -> None:
    provider = add_account(live_app, "outcomes_provider", role="provider", name="Opal Provider")
    book_this_month(live_app, provider.id, ("booked", "cancelled", "completed", "no_show"), CENTER)


@pytest.fixture
def staff(live_app: Flask, booked: None, request: pytest.FixtureRequest) -> Account:
    """A coordinator of its own for each test: no sign-in shares another test's throttle."""
    key = "outcomes_staff_" + "".join(c for c in request.node.name if c.isalnum())[-40:]
    return add_account(live_app, key, role="staff", name="Otto Coordinator", centers=[CENTER])


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_outcomes_table_is_accessible_and_fits_the_screen(
    new_page,
    live_server,
    staff,
    screen,
):
    page = new_page(**SCREENS[screen])
    sign_in(page, live_server, staff)
    page.goto(live_server + PAGE)
    table = page.get_by_role("table", name="by month")
    table.scroll_into_view_if_needed()
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader")).to_have_count(6)
    expect(table.get_by_role("row").last).to_contain_text("25%")
    expect(table.get_by_role("row").last).to_contain_text("50%")
    assert axe_violations(page) == []
    if screen == "phone":
        no_sideways_scroll(page)
        screenshot(page, "phone-referrals-outcomes")


def test_the_keyboard_reaches_the_outcomes_table_to_scroll_it(new_page, live_server, staff):
    page = new_page(**{**PHONE, "locale": "en-US"})
    sign_in(page, live_server, staff)
    page.goto(live_server + PAGE)
    region = page.get_by_role("region", name="Consultations booked at")
    for _ in range(60):
        page.keyboard.press("Tab")
        if region.evaluate("node => node === document.activeElement"):
            break
    else:
        raise AssertionError("the outcomes table was never focused")
    assert axe_violations(page) == []


def test_the_outcomes_table_in_spanish_is_accessible(new_page, live_server, staff):
    page = new_page(**SCREENS["phone"])
    sign_in(page, live_server, staff)
    page.goto(live_server + PAGE + "?lang=es")
    table = page.get_by_role("table", name="por mes")
    expect(table.get_by_role("columnheader", name="Tasa de inasistencia")).to_be_visible()
    expect(table.get_by_role("row").last).to_contain_text("25\xa0%")
    assert axe_violations(page) == []
    no_sideways_scroll(page)
