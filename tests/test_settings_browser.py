"""The account's settings and the center page's actions in a real Chromium: staff choose
their notices and a digest from the keyboard; a provider books from a center page by keyboard;
both pages pass axe-core on a desktop and a phone, in English and Spanish."""

import pytest
from flask import Flask
from playwright.sync_api import expect

from finder.storage import db
from finder.storage.models import UserSettingRow
from tests import test_workflow_browser as flow
from tests.accounts import Account, add_account
from tests.browser import axe_violations, screenshot
from tests.test_workflow_browser import DESKTOP, SCREENS, sign_in_by_keyboard, tab_until

new_page = flow.new_page  # the fixture

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
