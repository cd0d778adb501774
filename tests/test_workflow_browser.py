"""A clinic's day in a real Chromium: sign-in lands where the work is, a referral's patient is
carried into the booking form, the zone changes without losing what was typed, cancelling asks
first, and every new or changed page passes axe-core on a desktop and a phone, in English and
Spanish. Forms are driven from the keyboard."""

import re
from datetime import UTC, datetime

import pytest
from flask import Flask
from playwright.sync_api import expect

from finder.booking import calendar
from finder.domain.availability import DAYS, parse_availability
from finder.extensions import current_catalog
from finder.storage import db
from tests.accounts import PASSWORD, Account, add_account
from tests.browser import axe_violations, screenshot
from tests.test_account_browser import PHONE, focused

CENTER = "emory-winship-atlanta"  # no other browser test uses it
OTHER = "duke-durham"
PATIENT = "Henrietta Workflowtest"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}
SCREENS = {"desktop": DESKTOP, "phone": {**PHONE, "locale": "en-US"}}


@pytest.fixture(scope="module")
def people(live_app: Flask) -> dict[str, Account]:
    """Hours at CENTER all day every day (13:00–14:30 on Tuesdays: a range with 30 minutes
    over), a provider, and staff of CENTER and OTHER."""
    weekly = [{"day": d, "start": "06:00", "end": "22:00"} for d in DAYS if d != "tue"]
    weekly += [{"day": "tue", "start": "06:00", "end": "12:00"},
               {"day": "tue", "start": "13:00", "end": "14:30"}]  # fmt: skip
    hours = {"weekly": weekly, "slot_minutes": 60, "buffer_minutes": 0, "capacity": 3,
             "min_notice_hours": 24, "horizon_days": 21}  # fmt: skip
    with live_app.app_context(), db.transaction() as session:
        center = current_catalog().centers.get(CENTER)
        if calendar.load_availability(session, center) is None:
            calendar.save_availability(
                session,
                center,
                parse_availability(hours, timezone=center.timezone),
                now=datetime.now(UTC),
                by=None,
            )
    return {
        "provider": add_account(
            live_app, "flow_provider", role="provider", name="Wren Referrer", practice="Decatur"
        ),
        "staff": add_account(
            live_app, "flow_staff", role="staff", name="Sam Scheduler", centers=[OTHER, CENTER]
        ),
    }


def sign_in_by_keyboard(page, base: str, account: Account) -> None:
    page.goto(base + "/sign-in")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(account.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/sign-in" not in url)


def tab_until(page, wanted: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page) == wanted:
            return
    raise AssertionError(f"{wanted} not reached by Tab; at {focused(page)}")


def refer(page, base: str) -> str:
    """PATIENT referred to CENTER through the form, typed: the timeline's path."""
    page.goto(f"{base}/referrals/new?center={CENTER}")
    page.locator("#patient_name").focus()
    page.keyboard.type(PATIENT)
    page.keyboard.press("Tab")
    page.keyboard.type("04121961")  # Chromium's date field takes the digits in order
    page.locator("#indication").focus()
    page.keyboard.type("Large")
    page.locator("#indication").select_option("LBCL")
    page.locator("#home").focus()
    page.keyboard.type("Atlanta, GA")
    tab_until(page, "button:Record the referral")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/referrals/\d+$"))
    return page.url.removeprefix(base)


def test_a_provider_lands_on_referrals_and_books_from_one_without_retyping(
    new_page, live_server, people
):
    page = new_page(**DESKTOP)
    sign_in_by_keyboard(page, live_server, people["provider"])
    assert page.url == live_server + "/referrals"
    timeline = refer(page, live_server)
    page.get_by_role("link", name="Book a consultation").click()
    page.wait_for_url(re.compile(rf"/book/{CENTER}\?referral=\d+$"))
    expect(page.locator("#patient_name")).to_have_value(PATIENT)
    expect(page.locator("#patient_birth_date")).to_have_value("1961-04-12")
    expect(page.locator("#indication")).to_have_value("LBCL")
    # Another zone, from the keyboard: what was typed stays
    page.locator("#notes").fill("Two prior lines.")
    page.locator("#tz").focus()
    page.locator("#tz").select_option("America/Los_Angeles")
    page.keyboard.press("Tab")
    assert focused(page) == "button:Show times"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("#patient_name")).to_have_value(PATIENT)
    expect(page.locator("#notes")).to_have_value("Two prior lines.")
    if page.locator("input[name=slot_id]").count() == 0:  # this week is inside the notice
        page.get_by_role("button", name="Next week →", exact=True).click()
        page.wait_for_load_state()
        expect(page.locator("#patient_name")).to_have_value(PATIENT)  # kept again
    expect(page.locator(".their-time").first).to_contain_text("your time")
    assert axe_violations(page) == []
    screenshot(page, "workflow-book-from-referral")
    # Book, then cancel: it asks first
    page.locator("input[name=slot_id]").first.check()
    page.get_by_role("button", name="Book the consultation").click()
    page.wait_for_url(re.compile(r"/bookings/\d+$"))
    booking = page.url
    expect(page.get_by_role("button", name="Yes, cancel the consultation")).to_be_hidden()
    summary = page.locator("summary", has_text="Cancel the consultation…")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("never sent to the patient")).to_be_visible()
    assert axe_violations(page) == []
    page.keyboard.press("Tab")
    assert focused(page) == "input#reason"
    page.keyboard.type("Seen nearer home")
    page.keyboard.press("Tab")
    assert focused(page) == "button:Yes, cancel the consultation"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Consultation cancelled")
    assert page.url == booking
    page.goto(live_server + "/bookings")
    upcoming = page.locator("ul[aria-labelledby=upcoming-heading]")
    expect(upcoming.filter(has_text=PATIENT)).to_have_count(0)
    assert axe_violations(page) == []
    page.goto(live_server + timeline)


def test_staff_land_on_a_week_and_switch_centers_by_name(new_page, live_server, people):
    page = new_page(**DESKTOP)
    sign_in_by_keyboard(page, live_server, people["staff"])
    # Duke comes before Winship by name
    assert page.url == f"{live_server}/staff/centers/{OTHER}/calendar"
    switch = page.get_by_role("navigation", name="Your other centers")
    switch.get_by_role("link", name="Winship Cancer Institute of Emory University").click()
    page.wait_for_url(f"{live_server}/staff/centers/{CENTER}/calendar")
    expect(page.get_by_text("Within the 24-hour notice").first).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Consultation hours").click()
    expect(page.locator("#unused-minutes")).to_contain_text("Tuesday 13:00–14:30")
    assert axe_violations(page) == []


PAGES = {
    "referrals-new": ("provider", f"/referrals/new?center={CENTER}"),
    "book": ("provider", f"/book/{CENTER}"),
    "my-bookings": ("provider", "/bookings"),
    "search-results": ("provider", "/?near=Atlanta%2C%20GA"),
    "week": ("staff", f"/staff/centers/{CENTER}/calendar"),
    "hours": ("staff", f"/staff/centers/{CENTER}/hours"),
    "account": ("staff", "/account"),
}


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("name", list(PAGES))
def test_every_changed_page_passes_axe_and_fits_a_phone(
    new_page, live_server, people, name, screen, lang
):
    who, path = PAGES[name]
    page = new_page(**SCREENS[screen])
    sign_in_by_keyboard(page, live_server, people[who])
    joiner = "&" if "?" in path else "?"
    page.goto(f"{live_server}{path}{joiner}lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert axe_violations(page) == []
    width = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert width[0] <= width[1], f"{path} is {width[0]} px wide in {width[1]} px"
    screenshot(page, f"workflow-{name}-{screen}-{lang}")


def test_a_provider_moves_a_booking_on_a_phone_by_picking_a_day_s_time(
    new_page, live_server, people
):
    page = new_page(**SCREENS["phone"])
    sign_in_by_keyboard(page, live_server, people["provider"])
    page.goto(f"{live_server}/book/{CENTER}")
    if page.locator("input[name=slot_id]").count() == 0:
        page.get_by_role("button", name="Next week →", exact=True).click()
        page.wait_for_load_state()
    page.locator("#patient_name").fill("Moira Movetest")
    page.locator("#patient_birth_date").fill("1955-02-03")
    page.locator("#indication").select_option("LBCL")
    page.locator("input[name=slot_id]").first.check()
    page.get_by_role("button", name="Book the consultation").click()
    page.wait_for_url(re.compile(r"/bookings/\d+$"))
    days = page.locator(".move-column")
    assert days.count() == 7  # the week, a day's times under its name
    assert page.locator("select[name=slot_id]").count() == 0
    choice = page.locator("input[name=slot_id]").last
    choice.focus()
    page.keyboard.press("Space")
    assert axe_violations(page) == []
    tab_until(page, "button:Move the consultation")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Consultation moved")
