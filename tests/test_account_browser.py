"""Accounts in a real headless Chromium: sign-in, the CSP, admin pages, axe-core, phones.

Chromium keeps and sends the Secure `__Host-session` cookie over http://127.0.0.1 (a
potentially trustworthy origin), so the live app runs with SESSION_COOKIE_SECURE on, as in
production.
"""

import re

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.accounts import CENTER_X, PASSWORD, Account, add_account
from tests.browser import axe_violations, screenshot
from tests.test_search_page_browser import listed_ids, wait_for_map

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
WRONG = "The email or password is not correct."
# Before any page script: the page's own CSP reports, kept where the test can read them.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push({
    directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample,
  });
});
"""


@pytest.fixture(scope="module")
def people(live_app: Flask) -> dict[str, Account]:
    """A provider, a staff member of CENTER_X and an admin in the live app, with names."""
    return {
        "provider": add_account(
            live_app, "browser_provider", role="provider", name="Rosa Diaz", practice="Cape Cod"
        ),
        "staff": add_account(live_app, "browser_staff", role="staff", centers=[CENTER_X]),
        "admin": add_account(live_app, "browser_admin", role="admin", name="Ada Admin"),
    }


def sign_in(page, base: str, account: Account) -> None:
    page.goto(base + "/sign-in")
    page.fill("#email", account.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def focused(page) -> str:
    """The focused element, as `tag#id` or `tag:text`."""
    return page.evaluate(
        "() => { const e = document.activeElement; "
        "return e.tagName.toLowerCase() + (e.id ? '#' + e.id : ':' + e.textContent.trim()); }"
    )


def tab_to(page, target: str, most: int = 10) -> None:
    """Press Tab until `target` (as `focused` names it) has the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if focused(page) == target:
            return
    pytest.fail(f"{target} not reached with {most} Tabs; the focus is on {focused(page)}")


def csp_watched_page(new_page):
    """A page that keeps CSP violations from the event and from the console, and page errors."""
    page = new_page()
    page.add_init_script(CSP_LISTENER)
    page.console_violations = []
    page.errors = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and page.console_violations.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def test_a_provider_signs_in_and_out_with_the_keyboard_only(new_page, live_server, people):
    provider = people["provider"]
    page = new_page()
    page.goto(live_server + "/")
    tab_to(page, "a:Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/sign-in")
    expect(page.get_by_label("Email")).to_be_focused()  # autofocus: type straight away
    page.keyboard.type(provider.email)
    page.keyboard.press("Tab")
    assert focused(page) == "input#password"
    page.keyboard.type(PASSWORD)
    screenshot(page, "account-sign-in")
    page.keyboard.press("Enter")

    page.wait_for_url(live_server + "/referrals")  # a provider lands on their referrals
    page.goto(live_server + "/account")
    header = page.get_by_role("navigation", name="Account")
    expect(header.get_by_role("link", name="Rosa Diaz")).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("main .facts")).to_contain_text(provider.email)
    (cookie,) = page.context.cookies()
    assert (cookie["name"], cookie["secure"], cookie["httpOnly"]) == ("__Host-session", True, True)
    screenshot(page, "account-home")

    tab_to(page, "button:Sign out")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_role("navigation", name="Account")).to_have_text("Sign in")
    page.goto(live_server + "/account")
    assert page.url == live_server + "/sign-in?next=/account"


def test_a_wrong_password_is_answered_with_the_generic_message_and_keeps_the_email(
    new_page, live_server, people
):
    email = people["provider"].email
    page = new_page()
    page.goto(live_server + "/sign-in")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type("not the password at all")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.keyboard.press("Enter")
    page.wait_for_load_state()

    assert answer.value.status == 401
    expect(page.get_by_role("alert")).to_have_text(WRONG)
    field = page.get_by_label("Email")
    expect(field).to_have_value(email)
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description(WRONG)
    expect(page.get_by_label("Password")).to_have_value("")
    screenshot(page, "account-sign-in-wrong-password")


def test_the_map_draws_under_the_content_security_policy_without_a_violation(new_page, live_server):
    page = csp_watched_page(new_page)
    response = page.goto(live_server + "/?near=60637")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "script-src 'self' 'nonce-" in policy
    wait_for_map(page, len(listed_ids(page)))
    page.wait_for_function(  # the states basemap, as the search page tests check it
        "() => document.querySelectorAll('.leaflet-basemap-pane path').length > 50"
    )
    # The listener ran although inline scripts are refused: init scripts are not under the CSP.
    assert page.evaluate("() => window.__cspViolations") == []
    assert page.console_violations == []
    assert page.errors == []


def test_the_content_security_policy_refuses_an_inline_script_without_the_nonce(
    new_page, live_server
):
    page = csp_watched_page(new_page)
    page.goto(live_server + "/?near=60637")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text) as console:
        page.evaluate(
            """() => {
              const script = document.createElement('script');
              script.textContent = 'window.__injected = true;';
              document.head.append(script);
            }"""
        )
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("() => window.__injected") is None  # it never ran
    (violation,) = page.evaluate("() => window.__cspViolations")
    assert (violation["directive"], violation["blocked"]) == ("script-src-elem", "inline")
    assert "script-src" in console.value.text
    assert page.console_violations == [console.value.text]  # what the map test relies on


def test_an_admin_invites_staff_with_the_keyboard_and_the_audit_log_lists_it(
    new_page, live_server, live_mail, people
):
    page = new_page()
    sign_in(page, live_server, people["admin"])
    page.goto(live_server + "/admin/users")
    page.get_by_label("Email").focus()
    page.keyboard.type("new.staff@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("Noor Staff")
    page.keyboard.press("Tab")
    assert focused(page) == "select#role"
    page.keyboard.type("Center")  # type-ahead to "Center staff"
    expect(page.locator("#role")).to_have_value("staff")
    tab_to(page, "input#add_center")
    # A type-ahead by name (the suggestions come from a datalist): no 132-item list
    page.keyboard.type("The University of Texas MD Anderson Cancer Center (Houston, TX)")
    tab_to(page, "button:Send the invitation")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/admin/users/\d+$"))
    new_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("status")).to_have_text("Invitation sent to new.staff@example.org.")
    kept = page.locator("input[name=centers]:checked")
    expect(kept).to_have_count(1)
    assert kept.get_attribute("value") == "md-anderson-houston"
    expect(page.get_by_label("The University of Texas MD Anderson Cancer Center")).to_be_checked()
    screenshot(page, "admin-user-invited")
    assert "new.staff@example.org" in [m["To"] for m in live_mail.messages]

    page.goto(live_server + "/admin/audit")
    rows = page.locator("tbody tr").filter(has_text="user_created")
    expect(rows.filter(has_text=f"user {new_id}")).to_have_count(1)
    screenshot(page, "admin-audit")


PAGES = {
    "sign-in": (None, "/sign-in"),
    "forgot-password": (None, "/password/forgot"),
    "set-password-invalid-link": (None, "/password/reset?token=x"),
    "account": ("staff", "/account"),
    "staff-center": ("staff", f"/staff/centers/{CENTER_X}"),
    "admin-users": ("admin", "/admin/users"),
    "admin-user": ("admin", "/admin/users/{provider}"),
    "audit": ("admin", "/admin/audit"),
}


SCREENS = {"desktop": {"viewport": {"width": 1280, "height": 900}}, "phone": PHONE}


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("name", list(PAGES))
def test_the_account_pages_have_no_accessibility_violations(
    new_page, live_server, people, name, screen
):
    who, path = PAGES[name]
    page = new_page(**SCREENS[screen])
    if who:
        sign_in(page, live_server, people[who])
    page.goto(live_server + path.format(provider=people["provider"].id))
    assert axe_violations(page) == []


@pytest.mark.parametrize("name", ["sign-in", "admin-users", "admin-user", "audit"])
def test_a_phone_sized_screen_shows_the_page_without_sideways_scrolling(
    new_page, live_server, people, name
):
    who, path = PAGES[name]
    page = new_page(**PHONE)
    if who:
        sign_in(page, live_server, people[who])
    page.goto(live_server + path.format(provider=people["provider"].id))
    sizes = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    screenshot(page, f"phone-{name}")
    assert sizes[0] <= sizes[1], f"{path} is {sizes[0]} px wide in {sizes[1]} px"
