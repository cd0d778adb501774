"""The staff calendar pages in a real headless Chromium: hours entered with the keyboard, the week
view, blocking a slot, and axe-core and a phone's width on every calendar page."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import expect

from finder.booking import calendar
from finder.domain.availability import DAYS, parse_availability, parse_closure
from finder.domain.bookings import BookingRequest, Patient
from finder.extensions import current_catalog
from finder.storage import db
from tests.accounts import CENTER_X, PASSWORD, Account, add_account
from tests.bookings import book
from tests.browser import axe_violations, screenshot

# A second Eastern center for the pages that need bookings, so the keyboard test starts clean.
CENTER_B = "msk-new-york"
BOSTON = ZoneInfo("America/New_York")
TODAY = datetime.now(BOSTON).date()
WEEK = TODAY + timedelta(days=7 - TODAY.weekday() + 7)  # the Monday 8 to 14 days ahead
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
SCREENS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def people(live_app: Flask) -> dict[str, Account]:
    return {
        "staff": add_account(
            live_app, "calendar_staff", role="staff", name="Casey Coordinator", centers=[CENTER_X]
        ),
        "staff_b": add_account(live_app, "calendar_staff_b", role="staff", centers=[CENTER_B]),
        "provider": add_account(
            live_app, "calendar_provider", role="provider", practice="Hudson Oncology"
        ),
    }


@pytest.fixture(scope="module")
def ids(live_app: Flask, people) -> dict[str, int]:
    """CENTER_B with hours, a closure, a booking, and a booking in a slot blocked since."""
    at = datetime.now(UTC)
    hours = {
        "weekly": [{"day": day, "start": "09:00", "end": "12:00"} for day in DAYS],
        "slot_minutes": 60,
        "buffer_minutes": 0,
        "capacity": 2,
        "min_notice_hours": 24,
        "horizon_days": 28,
    }
    with live_app.app_context(), db.transaction() as session:
        catalog = current_catalog()
        center = catalog.centers.get(CENTER_B)
        availability = parse_availability(hours, timezone=center.timezone)
        calendar.save_availability(session, center, availability, now=at, by=None)
        closure = parse_closure({"date": (WEEK + timedelta(days=6)).isoformat(), "reason": "Gala"})
        calendar.add_closure(session, center, closure, now=at, by=None)
        booked = []
        for day, hour in ((WEEK, 9), (WEEK + timedelta(days=1), 10)):
            slot = _slot(session, center, day, hour)
            request = BookingRequest(
                slot_id=slot.id,
                patient=Patient(name=f"Pat Example {hour}", birth_date=date(1961, 2, 3)),
                indication="MM",
                product="carvykti",
                notes="",
            )
            made = book(
                session,
                request,
                provider_id=people["provider"].id,
                centers=catalog.centers,
                products=catalog.products,
                now=at,
            )
            booked.append(made.booking)
        calendar.set_blocked(session, CENTER_B, booked[1].slot_id, blocked=True, reason="Audit")
        return {"booking": booked[0].id, "displaced": booked[1].id}


def _slot(session, center, day: date, hour: int):
    for slot in calendar.week_slots(session, center, day - timedelta(days=day.weekday())):
        local = slot.start_at.astimezone(ZoneInfo(center.timezone))
        if local.date() == day and local.hour == hour:
            return slot
    raise AssertionError(f"no slot at {day} {hour}:00")


@pytest.fixture
def new_page(new_page):
    """The plugin's pages (none may ask a host but 127.0.0.1), in American English."""
    return lambda **options: new_page(locale="en-US", **options)


def sign_in(page, base: str, account: Account) -> None:
    page.goto(base + "/sign-in")
    page.fill("#email", account.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def type_into(page, selector: str, keys: str) -> None:
    """Focus a field and type into it, as a keyboard user does after tabbing to it."""
    page.locator(selector).focus()
    page.keyboard.type(keys)


def test_staff_set_hours_with_the_keyboard_see_the_week_and_block_a_slot(
    new_page, live_server, people
):
    page = new_page(**DESKTOP)
    sign_in(page, live_server, people["staff"])
    header = page.get_by_role("navigation", name="Account")
    header.get_by_role("link", name="Calendar").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/staff/centers/{CENTER_X}/calendar")
    page.get_by_role("navigation", name="Center calendar").get_by_role(
        "link", name="Consultation hours"
    ).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/hours$"))
    expect(page.locator(".intro")).to_contain_text("America/New_York")

    for day in DAYS:  # 09:00 to 12:00 every day; Chromium's time field takes 0900A as 09:00 AM
        type_into(page, f"#{day}-0-start", "0900A")
        type_into(page, f"#{day}-0-end", "1200P")
    expect(page.locator("#sun-0-end")).to_have_value("12:00")
    page.locator("#capacity").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    screenshot(page, "staff-hours")
    page.get_by_role("button", name="Save the hours").focus()
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server}/staff/centers/{CENTER_X}/calendar")
    expect(page.get_by_role("status").first).to_contain_text("Hours saved.")
    page.goto(f"{live_server}/staff/centers/{CENTER_X}/calendar?week={WEEK.isoformat()}")
    tuesday = page.locator(".day").nth(1)
    expect(tuesday.locator(".slot")).to_have_count(3)
    slot = tuesday.locator(".slot").filter(has_text="10:00–11:00")
    expect(slot).to_contain_text("Booked 0 of 2")
    screenshot(page, "staff-calendar-week")

    slot.locator("summary").focus()
    page.keyboard.press("Enter")  # opens the block form
    page.keyboard.press("Tab")
    expect(slot.get_by_label("Reason (optional)")).to_be_focused()
    page.keyboard.type("Team meeting")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(rf"week={WEEK.isoformat()}#slot-\d+$"))
    slot = page.locator(".day").nth(1).locator(".slot").filter(has_text="10:00–11:00")
    expect(slot).to_contain_text("Blocked: Team meeting")
    expect(slot.get_by_role("button", name=re.compile("^Unblock"))).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("Slot blocked:")


PAGES = {
    "hours": "/hours",
    "calendar": f"/calendar?week={WEEK.isoformat()}",
    "closures": "/closures",
    "displaced": "/displaced",
    "booking": "/bookings/{booking}",
}


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("name", list(PAGES))
def test_the_calendar_pages_have_no_accessibility_violations(
    new_page, live_server, people, ids, name, screen
):
    page = new_page(**SCREENS[screen])
    sign_in(page, live_server, people["staff_b"])
    page.goto(f"{live_server}/staff/centers/{CENTER_B}" + PAGES[name].format(**ids))
    expect(page.locator("h1")).to_be_visible()
    if name == "calendar":
        page.locator(".slot-block summary").first.click()  # an open block form is checked too
    assert axe_violations(page) == []


@pytest.mark.parametrize("name", list(PAGES))
def test_a_phone_shows_each_calendar_page_without_sideways_scrolling(
    new_page, live_server, people, ids, name
):
    page = new_page(**PHONE)
    sign_in(page, live_server, people["staff_b"])
    page.goto(f"{live_server}/staff/centers/{CENTER_B}" + PAGES[name].format(**ids))
    sizes = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    if name == "calendar":
        screenshot(page, "phone-staff-calendar")
    assert sizes[0] <= sizes[1], f"{name} is {sizes[0]} px wide in {sizes[1]} px"


def test_the_hours_form_shows_each_error_beside_its_field(new_page, live_server, people, ids):
    page = new_page(**DESKTOP)
    sign_in(page, live_server, people["staff_b"])
    page.goto(f"{live_server}/staff/centers/{CENTER_B}/hours")
    type_into(page, "#mon-0-end", "0800A")  # before its 09:00 start
    page.get_by_role("button", name="Save the hours").click()
    expect(page.get_by_role("alert")).to_contain_text("1 entry needs a change")
    end = page.locator("#mon-0-end")
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(end).to_have_accessible_description("The end must be later than the start.")
    assert axe_violations(page) == []
