"""A published slot's deep link in a real headless Chromium: the booking page opens with the
slot chosen and held, says until when (in English and Spanish), passes axe on a desktop and a
phone, and the held slot is booked with the keyboard."""

from datetime import UTC, datetime

from playwright.sync_api import expect

from finder.booking import calendar
from finder.domain.availability import DAYS, parse_availability
from finder.extensions import current_catalog
from finder.storage import db
from tests.accounts import add_account
from tests.browser import axe_violations, screenshot
from tests.test_account_browser import PHONE, sign_in, tab_to
from tests.test_booking_browser import DESKTOP, no_sideways_scroll

CENTER = "mgh-boston"


def free_slot(page, base: str) -> int:
    answer = page.request.get(f"{base}/api/v1/centers/{CENTER}/slots")
    slots = answer.json()["slots"]
    assert slots, answer.text()
    return int(slots[-1]["id"])


def test_a_deep_link_holds_the_slot_and_books_it_with_the_keyboard(
    live_app, live_server, page_factory
):
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
    provider = add_account(live_app, "deep_link_provider", role="provider", name="Dee Link")
    for name, options in (("desktop", DESKTOP), ("phone", {**PHONE, "locale": "en-US"})):
        page = page_factory(**options)
        sign_in(page, live_server, provider)
        slot = free_slot(page, live_server)
        page.goto(f"{live_server}/book/{CENTER}?slot={slot}&source=aggregator")
        expect(page.locator("#hold-notice")).to_contain_text("held for you until")
        expect(page.locator(f"#slot-{slot}")).to_be_checked()
        assert axe_violations(page) == []
        no_sideways_scroll(page)
        screenshot(page, f"deep-link-held-{name}")
        page.goto(f"{live_server}/book/{CENTER}?slot={slot}&lang=es")
        expect(page.locator("#hold-notice")).to_contain_text("queda reservado para usted")
        assert axe_violations(page) == []
    # Book the held slot with the keyboard alone, from the patient's name on (desktop, English).
    page = page_factory(**DESKTOP)
    sign_in(page, live_server, provider)
    slot = free_slot(page, live_server)
    page.goto(f"{live_server}/book/{CENTER}?slot={slot}")
    expect(page.locator(f"#slot-{slot}")).to_be_checked()
    page.locator("#patient_name").focus()
    page.keyboard.type("Kim Keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("02031961")
    expect(page.locator("#patient_birth_date")).to_have_value("1961-02-03")
    page.locator("#indication").focus()
    page.keyboard.type("Large")
    page.keyboard.press("Tab")
    page.keyboard.type("Yescarta")
    tab_to(page, "button:Book the consultation", most=6)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/bookings/*")
