"""Booking in a real headless Chromium: from the search results to the confirmation with the
keyboard, the invite downloaded, and axe-core and a phone's width on every booking page."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask import Flask
from playwright.sync_api import expect

from finder.booking import calendar
from finder.domain.availability import DAYS, parse_availability
from finder.extensions import current_catalog
from finder.storage import db
from tests.accounts import Account, add_account
from tests.browser import axe_violations, screenshot
from tests.test_account_browser import PHONE, focused, sign_in, tab_to

# A Boston center of its own: the staff calendar tests change CENTER_X's hours.
CENTER = "mgh-boston"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}
SCREENS = {"desktop": DESKTOP, "phone": {**PHONE, "locale": "en-US"}}
PATIENT = "Imogen Testpatient"


@pytest.fixture(scope="module")
def provider(live_app: Flask) -> Account:
    """A provider, and consultation hours at CENTER every day from 06:00 to 22:00, no notice."""
    hours = {
        "weekly": [{"day": day, "start": "06:00", "end": "22:00"} for day in DAYS],
        "slot_minutes": 60,
        "buffer_minutes": 0,
        "capacity": 3,
        "min_notice_hours": 0,
        "horizon_days": 21,
    }
    with live_app.app_context(), db.transaction() as session:
        center = current_catalog().centers.get(CENTER)
        if calendar.load_availability(session, center) is None:
            availability = parse_availability(hours, timezone=center.timezone)
            calendar.save_availability(
                session, center, availability, now=datetime.now(UTC), by=None
            )
    return add_account(
        live_app, "booking_provider", role="provider", name="Priya Referrer", practice="Cape Ann"
    )


def open_booking_page(page, base: str) -> None:
    """The booking page of CENTER, on a week with free slots."""
    page.goto(f"{base}/book/{CENTER}")
    if page.locator("input[name=slot_id]").count() < 2:  # late on a Sunday: next week
        page.get_by_role("button", name="Next week →", exact=True).click()
    expect(page.locator("input[name=slot_id]").first).to_be_attached()


def no_sideways_scroll(page) -> None:
    sizes = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert sizes[0] <= sizes[1], f"{page.url} is {sizes[0]} px wide in {sizes[1]} px"


def test_a_provider_books_from_the_search_results_with_the_keyboard_and_downloads_the_invite(
    new_page, live_server, provider
):
    page = new_page(**DESKTOP, accept_downloads=True)
    sign_in(page, live_server, provider)
    page.goto(live_server + "/")
    page.fill("#near", "Boston, MA")
    page.press("#near", "Enter")
    item = page.locator(f"#center-{CENTER}")
    expect(item).to_contain_text("Next free consultation:")
    assert axe_violations(page) == []
    item.get_by_role("link", name="Book a consultation").click()
    page.wait_for_url(f"{live_server}/book/{CENTER}")
    if page.locator("input[name=slot_id]").count() < 2:
        page.get_by_role("button", name="Next week →", exact=True).click()
    radios = page.locator("input[name=slot_id]")
    expect(radios.first).to_be_attached()
    screenshot(page, "booking-pick-slot")
    assert axe_violations(page) == []

    # The radios are one group: Tab reaches the first, an arrow key chooses the next one.
    tab_to(page, f"input#{radios.first.get_attribute('id')}", most=40)
    page.keyboard.press("ArrowDown")
    chosen = radios.nth(1)
    expect(chosen).to_be_checked()
    chosen_time = page.locator(f"label[for={chosen.get_attribute('id')}]").inner_text()
    page.keyboard.press("Tab")
    assert focused(page) == "input#patient_name"
    page.keyboard.type(PATIENT)
    page.keyboard.press("Tab")
    assert focused(page) == "input#patient_birth_date"
    page.keyboard.type("05011960")  # mm dd yyyy, the segments of an en-US date field
    expect(page.locator("#patient_birth_date")).to_have_value("1960-05-01")
    tab_to(page, "input#patient_email", most=4)
    page.keyboard.type("imogen@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("+1 978 555 0142")
    page.keyboard.press("Tab")
    assert focused(page) == "select#patient_timezone"
    page.keyboard.type("Eastern")
    page.keyboard.press("Tab")
    assert focused(page) == "select#indication"
    page.keyboard.type("Large")
    expect(page.locator("#indication")).to_have_value("LBCL")
    page.keyboard.press("Tab")
    assert focused(page) == "select#product"
    page.keyboard.type("Yescarta")
    expect(page.locator("#product")).to_have_value("yescarta")
    page.keyboard.press("Tab")
    page.keyboard.type("Relapsed after two lines.")
    tab_to(page, "button:Book the consultation", most=3)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/bookings/\d+$"))
    booking_id = page.url.rsplit("/", 1)[1]
    assert PATIENT not in page.url
    expect(page.get_by_role("status")).to_contain_text("Consultation booked")
    expect(page.locator("main .facts")).to_contain_text(PATIENT)
    expect(page.locator("main .facts")).to_contain_text(chosen_time.splitlines()[0])
    screenshot(page, "booking-confirmed")
    assert axe_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the calendar invite (.ics)").click()
    assert download.value.suggested_filename == f"consultation-{booking_id}.ics"
    body = Path(download.value.path()).read_bytes()
    assert PATIENT.encode() not in body
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    start = event.decoded("dtstart")
    assert start.strftime("%H:%M") in chosen_time

    page.get_by_role("navigation", name="Account").get_by_role("link", name="My bookings").click()
    page.wait_for_url(f"{live_server}/bookings")
    expect(page.locator(f'a[href="/bookings/{booking_id}"]')).to_be_visible()


@pytest.fixture(scope="module")
def booking_path(live_app: Flask, provider) -> str:
    """A booking of the provider's, made through the service, for the page checks."""
    from finder.domain.bookings import BookingRequest, Patient
    from tests.bookings import book

    with live_app.app_context(), db.transaction() as session:
        catalog = current_catalog()
        center = catalog.centers.get(CENTER)
        moment = datetime.now(UTC)
        today = moment.astimezone(ZoneInfo(center.timezone)).date()
        free = calendar.free_slots(
            session, center, first_day=today, last_day=today + timedelta(days=7), now=moment
        )
        made = book(
            session,
            BookingRequest(
                slot_id=free[-1].id,
                patient=Patient(name="Page Check", birth_date=datetime(1970, 3, 4).date()),
                indication="MM",
                product="carvykti",
                notes="Line one.\nLine two.",
            ),
            provider_id=provider.id,
            centers=catalog.centers,
            products=catalog.products,
            now=moment,
        )
        return f"/bookings/{made.booking.id}"


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("name", ["booking", "confirmation", "my-bookings"])
def test_the_booking_pages_have_no_accessibility_violations_and_fit_a_phone(
    new_page, live_server, provider, booking_path, name, screen
):
    page = new_page(**SCREENS[screen])
    sign_in(page, live_server, provider)
    if name == "booking":
        open_booking_page(page, live_server)
    else:
        page.goto(live_server + (booking_path if name == "confirmation" else "/bookings"))
    assert axe_violations(page) == []
    if screen == "phone":
        no_sideways_scroll(page)
        if name == "booking":
            page.locator("input[name=slot_id]").first.scroll_into_view_if_needed()
            screenshot(page, "phone-booking")


def test_a_refused_form_is_announced_and_each_message_sits_by_its_field(
    new_page, live_server, provider
):
    page = new_page(**DESKTOP)
    sign_in(page, live_server, provider)
    open_booking_page(page, live_server)
    page.locator("input[name=slot_id]").first.check()
    page.fill("#patient_name", PATIENT)
    # The browser would refuse an empty date itself; the server's own check is the one shown.
    page.evaluate("() => document.querySelector('form.booking-form').noValidate = true")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Book the consultation").click()
    page.wait_for_load_state()
    assert answer.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("The consultation was not booked")
    expect(page.get_by_label("Date of birth")).to_have_accessible_description(
        "Enter the patient's date of birth."
    )
    expect(page.get_by_label("Patient's full name")).to_have_value(PATIENT)
    assert axe_violations(page) == []
    no_sideways_scroll(page)
