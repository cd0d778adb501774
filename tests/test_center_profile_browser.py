"""The center's profile page in a real headless Chromium: changed with the keyboard alone,
axe-core on a desktop and a phone, no sideways scrolling on a phone, and in Spanish."""

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.accounts import PASSWORD, Account, add_account
from tests.browser import axe_violations, screenshot

CENTER = "penn-abramson-philadelphia"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def people(live_app: Flask) -> dict[str, Account]:
    return {
        "staff": add_account(live_app, "profile_staff", role="staff", centers=[CENTER]),
        "admin": add_account(live_app, "profile_admin", role="admin"),
    }


def sign_in(page, base: str, account: Account) -> None:
    page.goto(base + "/sign-in")
    page.fill("#email", account.email)
    page.fill("#password", PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(lambda url: "/sign-in" not in url)  # each role lands where its work is


def test_staff_change_the_profile_with_the_keyboard_and_an_admin_sees_the_history(
    new_page, live_server, people
):
    page = new_page(locale="en-US", **DESKTOP)
    sign_in(page, live_server, people["staff"])
    page.goto(f"{live_server}/staff/centers/{CENTER}/profile")
    page.locator("#profile-referral_phone").focus()
    page.keyboard.type("215 662 4000")
    page.locator("#accepting_referrals-yes").focus()
    page.keyboard.press("Space")
    page.locator("#profile-languages").focus()
    page.keyboard.type("English, Spanish")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("The profile is saved")
    expect(page.locator("#history ~ table")).to_contain_text("+1-215-662-4000")
    screenshot(page, "center-profile-desktop")
    admin = new_page(locale="en-US", **DESKTOP)
    sign_in(admin, live_server, people["admin"])
    admin.goto(f"{live_server}/staff/centers/{CENTER}/profile")
    expect(admin.get_by_role("button", name="Revert").first).to_be_visible()
    assert axe_violations(admin) == []


@pytest.mark.parametrize(("screen", "locale"), [("desktop", "en-US"), ("phone", "es-ES")])
def test_the_profile_page_has_no_accessibility_violations(
    new_page, live_server, people, screen, locale
):
    page = new_page(locale=locale, **(DESKTOP if screen == "desktop" else PHONE))
    sign_in(page, live_server, people["staff"])
    suffix = "?lang=es" if locale.startswith("es") else ""
    page.goto(f"{live_server}/staff/centers/{CENTER}/profile{suffix}")
    expect(page.locator("h1")).to_be_visible()
    assert axe_violations(page) == []
    if screen == "phone":
        expect(page.locator("h1")).to_contain_text("Perfil público")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
        screenshot(page, "center-profile-phone-es")
