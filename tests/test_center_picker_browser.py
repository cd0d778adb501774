"""The center type-ahead in a real headless Chromium, with the keyboard only: an admin gives a
new staff member two centers in one save and edits them; a provider picks the waitlist's center
by typing and Enter. The pages pass axe with the suggestions open, on a desktop and a phone, in
English and Spanish. Without scripts the select and the datalist stay (the page tests)."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.accounts import add_account
from tests.browser import axe_violations, screenshot
from tests.test_account_browser import focused, sign_in, tab_to
from tests.test_booking_browser import no_sideways_scroll

ANDERSON = "The University of Texas MD Anderson Cancer Center (Houston, TX)"
DAVIS = "UC Davis Comprehensive Cancer Center (Sacramento, CA)"
MAYO_FLORIDA = "Mayo Clinic in Florida"
TODAY = datetime.now(ZoneInfo("America/New_York")).date()
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture(scope="module")
def people(live_app):
    return {
        "admin": add_account(live_app, "picker_admin", role="admin", name="Pia Admin"),
        "provider": add_account(live_app, "picker_provider", role="provider", name="Paco Prov"),
    }


def pick(page, text: str, downs: int = 1) -> None:
    """Type into the focused combobox, go down the suggestions and press Enter."""
    page.keyboard.type(text)
    expect(page.locator('[role="listbox"]:visible')).to_have_count(1)
    for _ in range(downs):
        page.keyboard.press("ArrowDown")
    combobox = page.locator(":focus")
    expect(combobox).to_have_attribute("aria-activedescendant", re.compile(r"-option-\d+$"))
    page.keyboard.press("Enter")
    expect(combobox).to_have_attribute("aria-expanded", "false")


def chosen(page) -> list[str]:
    return page.locator("input[name=centers]:checked").evaluate_all(
        "(all) => all.map(e => e.value)"
    )


def test_an_admin_gives_two_centers_in_one_save_with_the_keyboard(
    page_factory, live_server, people
):
    page = page_factory(**SCREENS["desktop"])
    sign_in(page, live_server, people["admin"])
    page.goto(live_server + "/admin/users")
    page.get_by_label("Email").focus()
    page.keyboard.type("two.centers@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("Tomás Dos")
    page.keyboard.press("Tab")
    page.keyboard.type("Center")  # "Center staff"
    tab_to(page, "input#add_center")
    combobox = page.get_by_role("combobox", name="Add a center")
    expect(combobox).to_be_focused()
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(combobox).to_have_accessible_description(re.compile("^Type part of the name, the city"))

    pick(page, "anderson houston")
    expect(page.get_by_role("checkbox", name=ANDERSON)).to_be_checked()
    expect(combobox).to_have_value("")
    expect(page.locator("#add_center-count")).to_have_text(f"{ANDERSON} added.")
    # By city, in capitals and with an accent it does not have: UC Davis.
    page.keyboard.type("SÁCRAMENTO")
    expect(page.locator("#add_center-count")).to_have_text("1 result")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.get_by_role("checkbox", name=DAVIS)).to_be_checked()
    assert chosen(page) == ["md-anderson-houston", "uc-davis-sacramento"]
    screenshot(page, "center-picker-admin-two-chosen")

    tab_to(page, "button:Send the invitation", most=6)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/admin/users/\d+$"))
    expect(page.get_by_role("status")).to_have_text("Invitation sent to two.centers@example.org.")
    assert sorted(chosen(page)) == ["md-anderson-houston", "uc-davis-sacramento"]

    # The edit: a third center by state (Escape first closes, then empties), one unticked.
    page.get_by_role("combobox", name="Add another center").focus()
    page.keyboard.type("mayo")
    expect(page.locator(":focus")).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(page.locator(":focus")).to_have_attribute("aria-expanded", "false")
    expect(page.locator(":focus")).to_have_value("mayo")
    page.keyboard.press("Escape")
    expect(page.locator(":focus")).to_have_value("")
    page.keyboard.type("mayo")
    expect(page.locator("#add_center-count")).to_have_text("3 results")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("End")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowUp")  # wraps to the last
    active = page.locator("#" + page.locator(":focus").get_attribute("aria-activedescendant"))
    expect(active).to_have_attribute("aria-selected", "true")
    last = active.inner_text().split("\n")[0]
    page.keyboard.press("Enter")
    expect(page.get_by_role("checkbox", name=last)).to_be_checked()
    page.get_by_role("checkbox", name=DAVIS).focus()
    page.keyboard.press("Space")
    tab_to(page, "button:Save")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    values = chosen(page)
    assert len(values) == 2 and "md-anderson-houston" in values
    assert "uc-davis-sacramento" not in values
    assert any(value.startswith("mayo-clinic-") for value in values)
    # The list of users names the centers too, never by their ids.
    page.goto(live_server + "/admin/users")
    row = page.get_by_role("row").filter(has_text="two.centers@example.org")
    expect(row).to_contain_text("The University of Texas MD Anderson Cancer Center")
    expect(row).not_to_contain_text("md-anderson-houston")


def test_a_provider_picks_the_waitlist_center_by_typing_and_enter(
    page_factory, live_server, people
):
    page = page_factory(**SCREENS["desktop"])
    sign_in(page, live_server, people["provider"])
    page.goto(live_server + "/waitlist")
    combobox = page.get_by_role("combobox", name="Center")
    combobox.focus()
    page.keyboard.type("mayo flórida")
    expect(page.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(combobox).to_have_value(MAYO_FLORIDA)
    expect(page.locator("input[type=hidden][name=center_id]")).to_have_value(
        "mayo-clinic-jacksonville"
    )
    page.fill("#waitlist-from", TODAY.isoformat())
    page.fill("#waitlist-to", (TODAY + timedelta(days=30)).isoformat())
    page.locator("#waitlist-reference").focus()
    page.keyboard.type("TA-1")
    page.keyboard.press("Tab")
    assert focused(page) == "button:Join the waitlist"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text(
        f"You are on the waitlist of {MAYO_FLORIDA}."
    )


def test_a_name_typed_in_full_is_chosen_and_an_unknown_one_is_refused(
    page_factory, live_server, people
):
    page = page_factory(**SCREENS["desktop"])
    sign_in(page, live_server, people["provider"])
    page.goto(live_server + "/waitlist")
    combobox = page.get_by_role("combobox", name="Center")
    combobox.fill("mayo clinic in florida")
    expect(page.locator("input[name=center_id]")).to_have_value("mayo-clinic-jacksonville")
    combobox.fill("Nowhere Hospital")
    expect(page.get_by_role("option")).to_have_count(0)
    expect(page.locator("#waitlist-center_id-count")).to_have_text("No center matches.")
    assert combobox.evaluate("(e) => e.validationMessage") == (
        "Choose a center from the suggestions."
    )


PAGES = {
    "admin-users": ("admin", "/admin/users", "add_center", "Houston"),
    "waitlist": ("provider", "/waitlist", "waitlist-center_id", "mayo"),
    "referral-new": ("provider", "/referrals/new", "center_id", "boston"),
}


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("name", list(PAGES))
def test_the_pickers_pass_axe_with_their_suggestions_open(
    page_factory, live_server, people, name, screen, lang
):
    who, path, field, text = PAGES[name]
    page = page_factory(**SCREENS[screen])
    sign_in(page, live_server, people[who])
    page.goto(f"{live_server}{path}?lang={lang}")
    assert axe_violations(page) == []
    page.locator(f"#{field}").focus()
    page.keyboard.type(text)
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("listbox")).to_be_visible()
    count = page.get_by_role("listbox").get_by_role("option").count()
    words = "resultados" if lang == "es" else "results"
    expect(page.locator(f"#{field}-count")).to_have_text(f"{count} {words}")
    screenshot(page, f"{screen}-{lang}-center-picker-{name}")
    assert axe_violations(page) == []
    no_sideways_scroll(page)


def test_without_scripts_the_select_and_the_datalist_stay(page_factory, live_server, people):
    page = page_factory(**SCREENS["phone"], java_script_enabled=False)
    sign_in(page, live_server, people["provider"])
    page.goto(live_server + "/waitlist")
    expect(page.get_by_role("combobox", name="Center")).to_have_js_property("tagName", "SELECT")
    page.goto(live_server + "/referrals?center=dana-farber-boston")
    expect(page.locator("select#filter-center")).to_have_count(1)
    admin = page_factory(**SCREENS["desktop"], java_script_enabled=False)
    sign_in(admin, live_server, people["admin"])
    admin.goto(live_server + "/admin/users")
    expect(admin.locator("input#add_center[list=center-names]")).to_have_count(1)
    expect(admin.locator('option[data-id="md-anderson-houston"]')).to_have_attribute(
        "value", ANDERSON
    )
