"""A clinic's settings and calendar helps in a real Chromium: staff choose their notices and a
digest, a provider books from a center page, a coordinator copies a day's hours and closes on a
federal holiday, all from the keyboard; each page passes axe-core on a desktop and a phone, in
English and Spanish."""

from datetime import UTC, datetime

import pytest
from flask import Flask
from playwright.sync_api import expect

from finder.booking import calendar
from finder.domain.availability import parse_availability
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import UserSettingRow
from tests.accounts import Account, add_account
from tests.browser import axe_violations, screenshot
from tests.test_workflow_browser import DESKTOP, SCREENS, sign_in_by_keyboard, tab_until

CENTER = "emory-winship-atlanta"


@pytest.fixture(scope="module")
def staff(live_app: Flask) -> Account:
    return add_account(
        live_app, "settings_staff", role="staff", name="Kit Settings", centers=[CENTER]
    )


def test_staff_choose_notices_and_a_digest_with_the_keyboard(
    new_page,
    live_server,
    live_app,
    staff,
):
    page = new_page(**DESKTOP)
    sign_in_by_keyboard(page, live_server, staff)
    page.goto(live_server + "/account")
    page.get_by_role("link", name="Settings: time zone, language, times of day").click()
    page.locator("#settings-timezone").focus()
    page.keyboard.type("Central")
    tab_until(page, "input#settings-hour-usual")  # a group is one Tab stop: its checked radio
    tab_until(page, "input#settings-notice-booked")
    page.keyboard.press("Space")
    tab_until(page, "input#settings-notice-referred")
    page.keyboard.press("Space")
    tab_until(page, "input#settings-digest-each")
    page.keyboard.press("ArrowDown")
    tab_until(page, "button:Save settings")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your settings are saved.")).to_be_visible()
    expect(page.get_by_label("A consultation is booked")).to_be_checked()
    expect(page.get_by_label("A consultation is moved")).not_to_be_checked()
    expect(
        page.get_by_label("One mail a day at 7:00 in my time zone, listing the day's changes")
    ).to_be_checked()
    with live_app.app_context():
        row = db.session().get(UserSettingRow, staff.id)
        assert row is not None
        assert (row.timezone, row.notices, row.digest) == (
            "America/Chicago",
            ["booked", "referred"],
            True,
        )
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_settings_page_passes_axe_and_fits_a_phone(
    new_page,
    live_server,
    staff,
    screen,
    lang,
):
    page = new_page(**SCREENS[screen])
    sign_in_by_keyboard(page, live_server, staff)
    page.goto(f"{live_server}/account/settings?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert axe_violations(page) == []
    width = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert width[0] <= width[1], f"settings is {width[0]} px wide in {width[1]} px"
    screenshot(page, f"settings-{screen}-{lang}")


@pytest.fixture(scope="module")
def provider(live_app: Flask) -> Account:
    return add_account(live_app, "center_provider", role="provider", practice="Macon")


def test_a_provider_books_from_the_center_page_with_the_keyboard(new_page, live_server, provider):
    page = new_page(**DESKTOP)
    sign_in_by_keyboard(page, live_server, provider)
    page.goto(f"{live_server}/centers/{CENTER}")
    tab_until(page, "a:Refer a patient")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/book/{CENTER}")


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_center_page_with_its_actions_passes_axe(new_page, live_server, provider, screen, lang):
    page = new_page(**SCREENS[screen])
    sign_in_by_keyboard(page, live_server, provider)
    page.goto(f"{live_server}/centers/{CENTER}?lang={lang}")
    expect(page.locator(".center-actions a").first).to_be_visible()
    assert axe_violations(page) == []
    width = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert width[0] <= width[1], f"the center page is {width[0]} px wide in {width[1]} px"
    screenshot(page, f"center-actions-{screen}-{lang}")


HOURS_CENTER = "uab-oneal-birmingham"  # no other test uses it


@pytest.fixture(scope="module")
def coordinator(live_app: Flask) -> Account:
    """Staff of HOURS_CENTER, whose hours are Monday 09:00–12:00 only."""
    hours = {
        "weekly": [{"day": "mon", "start": "09:00", "end": "12:00"}],
        "slot_minutes": 60,
        "buffer_minutes": 0,
        "capacity": 1,
        "min_notice_hours": 24,
        "horizon_days": 14,
    }
    with live_app.app_context(), db.transaction() as session:
        center = current_catalog().centers.get(HOURS_CENTER)
        calendar.save_availability(
            session, center, parse_availability(hours, timezone=center.timezone),
            now=datetime.now(UTC), by=None,
        )  # fmt: skip
    return add_account(live_app, "hours_staff", role="staff", centers=[HOURS_CENTER])


def test_a_coordinator_copies_monday_to_wednesday_with_the_keyboard(
    new_page, live_server, coordinator
):
    page = new_page(**DESKTOP)
    sign_in_by_keyboard(page, live_server, coordinator)
    page.goto(f"{live_server}/staff/centers/{HOURS_CENTER}/hours")
    page.locator("#copy_from").focus()  # Monday is the first choice
    tab_until(page, "input#copy_to-wed")
    page.keyboard.press("Space")
    tab_until(page, "button:Copy (not saved yet)")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Monday's hours are copied to Wednesday.")).to_be_visible()
    expect(page.locator("#wed-0-start")).to_have_value("09:00")
    expect(page.locator("#wed-0-end")).to_have_value("12:00")
    assert axe_violations(page) == []
    tab_until(page, "button:Save the hours", limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/staff/centers/{HOURS_CENTER}/calendar")


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("path", ["hours", "closures"])
def test_the_hours_and_closures_pages_pass_axe(
    new_page, live_server, coordinator, path, screen, lang
):
    page = new_page(**SCREENS[screen])
    sign_in_by_keyboard(page, live_server, coordinator)
    page.goto(f"{live_server}/staff/centers/{HOURS_CENTER}/{path}?lang={lang}")
    if path == "closures":
        expect(page.locator("#holidays")).to_be_visible()
    assert axe_violations(page) == []
    width = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert width[0] <= width[1], f"{path} is {width[0]} px wide in {width[1]} px"
    screenshot(page, f"calendar-helps-{path}-{screen}-{lang}")


def test_a_coordinator_closes_on_a_holiday_with_the_keyboard(new_page, live_server, coordinator):
    page = new_page(**SCREENS["phone"])
    sign_in_by_keyboard(page, live_server, coordinator)
    page.goto(f"{live_server}/staff/centers/{HOURS_CENTER}/closures")
    first = page.locator("#holidays + p + ul li").first
    name = first.locator("input[name=reason]").get_attribute("value")
    first.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Closure added.")).to_be_visible()
    expect(page.locator(".closure-list").first).to_contain_text(name or "")
