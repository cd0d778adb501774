"""The staff booking page's Messages table in a real headless Chromium: axe-core finds nothing on
a desktop and at a phone's 375 px, and "Send again" works from the keyboard."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import update

from finder.booking import calendar
from finder.domain.availability import DAYS, parse_availability
from finder.domain.bookings import BookingRequest, Patient
from finder.extensions import current_catalog
from finder.reminders.outbox import reminders_of
from finder.storage import db
from finder.storage.models import ReminderRow
from tests.accounts import Account, add_account
from tests.bookings import book
from tests.browser import axe_violations, screenshot
from tests.test_staff_calendar_browser import sign_in

CENTER = "cedars-sinai-los-angeles"  # a center no other browser test books at
ZONE = ZoneInfo("America/Los_Angeles")
DAY = datetime.now(ZONE).date() + timedelta(days=5)
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
SCREENS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(scope="module")
def staff(live_app: Flask) -> Account:
    return add_account(live_app, "messages_staff", role="staff", centers=[CENTER])


@pytest.fixture(scope="module")
def booking_id(live_app: Flask) -> int:
    """A booking five days ahead whose confirmations went out, one of them failed."""
    provider = add_account(live_app, "messages_provider", role="provider", practice="Valley Onc")
    at = datetime.now(UTC)
    hours = {
        "weekly": [{"day": day, "start": "09:00", "end": "12:00"} for day in DAYS],
        "slot_minutes": 60,
        "buffer_minutes": 0,
        "capacity": 1,
        "min_notice_hours": 24,
        "horizon_days": 28,
    }
    with live_app.app_context(), db.transaction() as session:
        catalog = current_catalog()
        center = catalog.centers.get(CENTER)
        availability = parse_availability(hours, timezone=center.timezone)
        calendar.save_availability(session, center, availability, now=at, by=None)
        request = BookingRequest(
            slot_id=_slot_id(session, center, DAY, 10),
            patient=Patient(name="Jo Example", birth_date=date(1970, 1, 2), email="jo@example.org"),
            indication="LBCL",
            product="yescarta",
            notes="",
        )
        made = book(
            session,
            request,
            provider_id=provider.id,
            centers=catalog.centers,
            products=catalog.products,
            now=at,
        ).booking
        for row in reminders_of(session, [made.id])[made.id]:
            if row.kind == "confirmation":
                failed = row.recipient == "patient"
                session.execute(
                    update(ReminderRow)
                    .where(ReminderRow.id == row.id)
                    .values(
                        status="failed" if failed else "sent",
                        detail="550 mailbox unavailable" if failed else "",
                        sent_at=None if failed else at,
                        attempts=5 if failed else 1,
                    )
                )
        return made.id


def _slot_id(session, center, day: date, hour: int) -> int:
    for slot in calendar.week_slots(session, center, day - timedelta(days=day.weekday())):
        local = slot.start_at.astimezone(ZONE)
        if local.date() == day and local.hour == hour:
            return slot.id
    raise AssertionError(f"no slot at {day} {hour}:00")


@pytest.fixture
def new_page(new_page):
    """The plugin's pages (none may ask a host but 127.0.0.1), in American English."""
    return lambda **options: new_page(locale="en-US", **options)


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_messages_table_has_no_accessibility_violations(
    new_page, live_server, staff, booking_id, screen
):
    page = new_page(**SCREENS[screen])
    sign_in(page, live_server, staff)
    page.goto(f"{live_server}/staff/centers/{CENTER}/bookings/{booking_id}")
    table = page.get_by_role("table", name="Confirmations, reminders and notices")
    expect(table).to_be_visible()
    expect(table).to_contain_text("Failed: 550 mailbox unavailable")
    table.scroll_into_view_if_needed()
    screenshot(page, f"{screen}-staff-booking-messages")
    assert axe_violations(page) == []
    sizes = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert sizes[0] <= sizes[1], f"the page is {sizes[0]} px wide in {sizes[1]} px"


def test_send_again_from_the_keyboard_queues_a_copy(new_page, live_server, staff, booking_id):
    page = new_page(**DESKTOP)
    sign_in(page, live_server, staff)
    page.goto(f"{live_server}/staff/centers/{CENTER}/bookings/{booking_id}")
    row = page.get_by_role("row").filter(has_text="Failed: 550 mailbox unavailable")
    button = row.get_by_role("button", name="Send again")
    expect(button).to_have_accessible_description("Confirmation Patient")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/staff/centers/{CENTER}/bookings/{booking_id}#messages")
    expect(page.get_by_role("status").first).to_contain_text(
        "Queued to send again: Confirmation, to Patient."
    )
    expect(page.get_by_role("table", name="Confirmations, reminders and notices")).to_contain_text(
        "Confirmation (sent again)"
    )
