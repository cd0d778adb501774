"""The waitlist pages in a real headless Chromium: a provider asks for a place and withdraws it
with the keyboard; the provider's page and the staff's list pass axe on a desktop and at a
phone's 375 px, in English and Spanish, without sideways scrolling."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.accounts import add_account
from tests.browser import axe_violations, screenshot
from tests.test_account_browser import PHONE, sign_in
from tests.test_booking_browser import DESKTOP, no_sideways_scroll

CENTER = "uc-davis-sacramento"  # no other browser test uses it
TODAY = datetime.now(ZoneInfo("America/Los_Angeles")).date()
SCREENS = {"desktop": DESKTOP, "phone": {**PHONE, "locale": "en-US"}}


@pytest.fixture(scope="module")
def provider(live_app):
    return add_account(live_app, "waitlist_provider", role="provider", name="Wait Lister")


@pytest.fixture(scope="module")
def staff(live_app):
    return add_account(live_app, "waitlist_staff", role="staff", centers=[CENTER])


def ask_with_the_keyboard(page, base: str, reference: str) -> None:
    page.goto(f"{base}/waitlist?center={CENTER}")
    page.fill("#waitlist-from", TODAY.isoformat())
    page.fill("#waitlist-to", (TODAY + timedelta(days=30)).isoformat())
    page.locator("#waitlist-reference").focus()
    page.keyboard.type(reference)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Join the waitlist")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("You are on the waitlist of")


def test_a_provider_asks_and_withdraws_with_the_keyboard(page_factory, live_server, provider):
    page = page_factory(**DESKTOP)
    sign_in(page, live_server, provider)
    ask_with_the_keyboard(page, live_server, "KB-1")
    item = page.get_by_role("listitem").filter(has_text="KB-1")
    expect(item).to_contain_text("Waiting")
    button = item.get_by_role("button", name="Withdraw the request KB-1")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Your request is withdrawn.")
    expect(page.get_by_role("listitem").filter(has_text="KB-1")).to_contain_text("Withdrawn")


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_waitlist_pages_pass_axe(page_factory, live_server, provider, staff, screen, lang):
    page = page_factory(**SCREENS[screen])
    sign_in(page, live_server, provider)
    page.goto(f"{live_server}/waitlist?center={CENTER}&lang={lang}")
    if not page.get_by_text("AX-1").count():
        page.fill("#waitlist-from", TODAY.isoformat())
        page.fill("#waitlist-to", (TODAY + timedelta(days=30)).isoformat())
        page.fill("#waitlist-reference", "AX-1")
        page.locator("#waitlist-reference").press("Enter")
        page.wait_for_load_state()
    # A refused form: its errors are announced and tied to their fields.
    page.goto(f"{live_server}/waitlist?center={CENTER}&lang={lang}")
    page.fill("#waitlist-from", TODAY.isoformat())
    page.fill("#waitlist-to", (TODAY + timedelta(days=30)).isoformat())
    page.fill("#waitlist-reference", "Jane Doe")
    page.locator("#waitlist-reference").press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#waitlist-reference")).to_have_attribute("aria-invalid", "true")
    screenshot(page, f"{screen}-{lang}-waitlist-provider")
    assert axe_violations(page) == []
    no_sideways_scroll(page)

    staff_page = page_factory(**SCREENS[screen])
    sign_in(staff_page, live_server, staff)
    staff_page.goto(f"{live_server}/staff/centers/{CENTER}/waitlist?lang={lang}")
    expect(staff_page.get_by_role("table")).to_contain_text("AX-1")
    screenshot(staff_page, f"{screen}-{lang}-waitlist-staff")
    assert axe_violations(staff_page) == []
    no_sideways_scroll(staff_page)
