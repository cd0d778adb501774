"""Moving a booking on the week grid in a real Chromium: from the keyboard only, a provider goes
to the next week and picks a free slot there; the current slot is marked, full and too-soon
slots are shown but cannot be focused; axe finds nothing on a desktop or a phone, in English
and Spanish, and on a phone the days stack as lists without a sideways scroll."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import expect

from finder.booking import calendar
from finder.domain.availability import DAYS, parse_availability
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import BookingRow, SlotRow
from tests.accounts import Account, add_account
from tests.browser import axe_violations, screenshot
from tests.test_account_browser import PHONE
from tests.test_booking_service import do_book, request_for
from tests.test_workflow_browser import sign_in_by_keyboard

CENTER = "uchicago-medicine-chicago"  # no other test books at it
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


def _monday(day):
    return day - timedelta(days=day.weekday())


@pytest.fixture(scope="module")
def world(live_app: Flask) -> dict:
    """Hours every day, one place a slot; the provider's booking at the first free slot, and
    the first slot of the week after taken by another provider (full)."""
    hours = {"weekly": [{"day": d, "start": "08:00", "end": "17:00"} for d in DAYS],
             "slot_minutes": 60, "buffer_minutes": 0, "capacity": 1,
             "min_notice_hours": 24, "horizon_days": 28}  # fmt: skip
    provider = add_account(live_app, "grid_provider", role="provider", name="Gale Gridmover")
    other = add_account(live_app, "grid_other", role="provider")
    staff = add_account(live_app, "grid_staff", role="staff", centers=[CENTER])
    now = datetime.now(UTC)
    with live_app.app_context():
        center = current_catalog().centers.get(CENTER)
        with db.transaction() as session:
            calendar.save_availability(
                session, center, parse_availability(hours, timezone=center.timezone),
                now=now, by=None,
            )  # fmt: skip
        zone = ZoneInfo(center.timezone)
        today = now.astimezone(zone).date()
        first = calendar.free_slots(
            db.session(), center, first_day=today, last_day=today + timedelta(days=7), now=now
        )[0]
        next_monday = _monday(first.start_at.astimezone(zone).date()) + timedelta(days=7)
        full = calendar.free_slots(
            db.session(), center, first_day=next_monday, last_day=next_monday, now=now
        )[0]
        mine = do_book(request_for(first.id, product=None), provider.id, now=now).booking
        do_book(request_for(full.id, product=None), other.id, now=now)
        return {"provider": provider, "staff": staff, "booking": mine.id, "current": first.id,
                "full": full.id, "next_monday": next_monday, "zone": zone}  # fmt: skip


def tab_to(page, selector: str, most: int = 200) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached by Tab")


def unfocusable(page) -> None:
    """The current, full, too-soon and empty cells hold nothing to focus."""
    cells = ".move-current, .move-full, .move-soon, .move-past, .move-closed, .move-none"
    inside = page.locator(f":is({cells}) :is(a, button, input, select, [tabindex])")
    assert inside.count() == 0


def test_a_provider_moves_a_booking_to_next_week_by_keyboard(
    page_factory, live_server, live_app: Flask, world: Account
):
    page = page_factory(**DESKTOP)
    sign_in_by_keyboard(page, live_server, world["provider"])
    page.goto(f"{live_server}/bookings/{world['booking']}")
    expect(page.locator("#move-current")).to_be_visible()  # the booking's own week first
    expect(page.locator(f"#move-{world['current']}")).to_have_count(0)
    unfocusable(page)
    assert axe_violations(page) == []
    screenshot(page, "move-grid-desktop-this-week")

    tab_to(page, ".move-weeks a[rel=next]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"week=\d{4}-\d{2}-\d{2}#move-heading$"))
    expect(page.locator("#move-week")).to_be_visible()
    assert f"week={world['next_monday'].isoformat()}" in page.url
    expect(page.locator(".move-full")).not_to_have_count(0)  # the slot the other provider took
    expect(page.locator(f"#move-{world['full']}")).to_have_count(0)
    expect(page.locator(".move-weeks a[rel=prev]")).to_have_count(1)
    unfocusable(page)
    assert axe_violations(page) == []
    screenshot(page, "move-grid-desktop-next-week")

    tab_to(page, "input[name=slot_id]")
    chosen = int(page.evaluate("() => document.activeElement.value"))
    page.keyboard.press("Space")
    tab_to(page, ".move-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Consultation moved")
    with live_app.app_context():
        booking = db.session().get(BookingRow, world["booking"])
        slot = db.session().get(SlotRow, chosen)
        assert booking.slot_id == chosen != world["full"]
        local = slot.start_at.astimezone(world["zone"]).date()
        assert world["next_monday"] <= local < world["next_monday"] + timedelta(days=7)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_grid_is_a_list_of_days_on_a_phone(page_factory, live_server, world, lang):
    page = page_factory(**PHONE, locale="es-ES" if lang == "es" else "en-US")
    sign_in_by_keyboard_any(page, live_server, world["provider"], lang)
    week = world["next_monday"].isoformat()
    page.goto(f"{live_server}/bookings/{world['booking']}?week={week}&lang={lang}")
    assert page.get_attribute("html", "lang") == lang
    expect(page.locator(".move-column").first).to_be_visible()
    assert page.locator(".move-times").is_hidden()  # no time column: each day lists its times
    tops = [box["y"] for box in (c.bounding_box() for c in page.locator(".move-column").all())]
    assert tops == sorted(tops) and len(set(tops)) == 7  # the days one under another
    width = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert width[0] <= width[1]
    unfocusable(page)
    assert axe_violations(page) == []
    if lang == "es":
        expect(page.locator("#move-week")).to_contain_text("Semana del")
        expect(page.locator(".move-full .move-note").first).to_have_text("Completa")
    page.locator("#move-week").scroll_into_view_if_needed()
    page.evaluate("() => document.getElementById('move-week').scrollIntoView()")
    screenshot(page, f"move-grid-phone-{lang}")


def sign_in_by_keyboard_any(page, base: str, account: Account, lang: str) -> None:
    """Signed in from the keyboard in either language (the labels differ)."""
    if lang == "en":
        sign_in_by_keyboard(page, base, account)
        return
    from tests.accounts import PASSWORD

    page.goto(base + "/sign-in?lang=es")
    page.locator("#email").focus()
    page.keyboard.type(account.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/sign-in" not in url)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_staff_grid_passes_axe(page_factory, live_server, world, screen):
    page = page_factory(**(DESKTOP if screen == "desktop" else {**PHONE, "locale": "en-US"}))
    sign_in_by_keyboard(page, live_server, world["staff"])
    week = world["next_monday"].isoformat()
    page.goto(f"{live_server}/staff/centers/{CENTER}/bookings/{world['booking']}?week={week}")
    expect(page.locator("#move-week")).to_be_visible()
    expect(page.locator(".move-full")).not_to_have_count(0)
    unfocusable(page)
    assert axe_violations(page) == []
    page.evaluate("() => document.getElementById('move-week').scrollIntoView()")
    screenshot(page, f"move-grid-staff-{screen}")
