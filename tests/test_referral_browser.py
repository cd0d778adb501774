"""The referral pages in a real headless Chromium: one patient walked from referral to follow-up,
referred by the provider and moved on by the center's staff, each stage seen on the provider's
dashboard; the keyboard on the forms; axe-core and a phone's width on every referral page."""

import re

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.accounts import Account, add_account
from tests.browser import axe_violations, screenshot
from tests.test_account_browser import PHONE, focused, sign_in, tab_to

# Dana-Farber: the other browser tests book no consultation there, so its referrals are ours.
CENTER = "dana-farber-boston"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}
SCREENS = {"desktop": DESKTOP, "phone": {**PHONE, "locale": "en-US"}}
PATIENT = "Winifred Journeyman"
STAGES = {  # what staff record, in order, and the label the pages show
    "consultation": "Consultation",
    "benefits": "Benefits check",
    "leukapheresis": "Leukapheresis",
    "manufacturing": "Manufacturing",
    "lymphodepletion": "Lymphodepletion",
    "infusion": "Infusion",
    "monitoring": "Monitoring near the center",
    "returned": "Return to the referring provider",
    "follow_up": "Long-term follow-up",
}


@pytest.fixture(scope="module")
def people(live_app: Flask) -> dict[str, Account]:
    return {
        "provider": add_account(
            live_app, "referral_provider", role="provider", name="Reed Referrer",
            practice="North Shore Oncology",
        ),
        "staff": add_account(
            live_app, "referral_staff", role="staff", name="Cora Coordinator", centers=[CENTER]
        ),
    }  # fmt: skip


def no_sideways_scroll(page) -> None:
    sizes = page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    assert sizes[0] <= sizes[1], f"{page.url} is {sizes[0]} px wide in {sizes[1]} px"


def patient_row(page):
    return page.locator("table.stack-table tbody tr").filter(has_text=PATIENT)


def refer_with_the_keyboard(page, base: str) -> str:
    """The provider's referral of PATIENT, typed: the timeline's path."""
    header = page.get_by_role("navigation", name="Account")
    header.get_by_role("link", name="Referrals").click()
    page.wait_for_url(base + "/referrals")
    page.get_by_role("link", name="Refer a patient").click()
    page.wait_for_url(base + "/referrals/new")
    assert axe_violations(page) == []

    page.locator("#center_id").focus()
    page.keyboard.type("Dana-Farber/Brigham")  # the type-ahead: Enter picks the first suggestion
    page.keyboard.press("Enter")
    expect(page.locator("input[name=center_id]")).to_have_value(CENTER)
    page.keyboard.press("Tab")
    assert focused(page) == "input#patient_name"
    page.keyboard.type(PATIENT)
    page.keyboard.press("Tab")
    assert focused(page) == "input#patient_birth_date"
    page.keyboard.type("04121961")  # mm dd yyyy, the segments of an en-US date field
    expect(page.locator("#patient_birth_date")).to_have_value("1961-04-12")
    tab_to(page, "input#patient_email", most=4)
    page.keyboard.type("winifred@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("+1 617 555 0199")
    page.keyboard.press("Tab")
    assert focused(page) == "input#home"
    page.keyboard.type("Boston, MA")
    page.keyboard.press("Tab")
    assert focused(page) == "select#indication"
    page.keyboard.type("Large")
    expect(page.locator("#indication")).to_have_value("LBCL")
    page.keyboard.press("Tab")
    page.keyboard.type("Yescarta")
    expect(page.locator("#product")).to_have_value("yescarta")
    expect(page.locator("#stage")).to_be_checked()  # referral, the default first stage
    page.locator("#note").fill("Relapsed after two lines; fit for CAR T.")
    tab_to(page, "button:Record the referral", most=4)
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/referrals/\d+$"))
    assert PATIENT not in page.url
    expect(page.get_by_role("status")).to_contain_text("Referral recorded.")
    return page.url.removeprefix(base)


def record_stage(page, stage: str, *, keyboard: bool = False) -> None:
    """Record the next stage on the open timeline, today."""
    if keyboard:
        page.locator("#move-stage").focus()
        page.keyboard.type(STAGES[stage])
        expect(page.locator("#move-stage")).to_have_value(stage)
        page.keyboard.press("Tab")
        assert focused(page) == "input#move-at"  # today, already filled in
        tab_to(page, "textarea#move-note", most=4)  # past the date's month, day and year
        page.keyboard.type("Seen in clinic.")
        page.keyboard.press("Tab")
        assert focused(page) == "button:Record the stage"
        page.keyboard.press("Enter")
    else:
        page.locator("#move-stage").select_option(stage)
        page.get_by_role("button", name="Record the stage").click()
    page.wait_for_url(re.compile(r"/referrals/\d+#history$"))
    expect(page.get_by_role("status")).to_contain_text(f"Recorded: {STAGES[stage]}.")
    expect(page.locator(".stage-line .stage-tag")).to_have_text(STAGES[stage])


def test_one_patient_from_referral_to_follow_up_as_provider_and_as_center_staff(
    new_page, live_server, people
):
    provider = new_page(**DESKTOP)
    sign_in(provider, live_server, people["provider"])
    timeline = refer_with_the_keyboard(provider, live_server)
    provider.goto(live_server + "/referrals")
    expect(patient_row(provider)).to_contain_text("Referral")
    expect(patient_row(provider)).to_contain_text("Dana-Farber/Brigham Cancer Center")

    staff = new_page(**DESKTOP)
    sign_in(staff, live_server, people["staff"])
    staff.get_by_role("navigation", name="Account").get_by_role("link", name="Referrals").click()
    staff.wait_for_url(f"{live_server}/staff/centers/{CENTER}/referrals")
    group = staff.locator("section.stage-group").filter(has=staff.locator("#stage-referral"))
    expect(group).to_contain_text(PATIENT)
    expect(group).to_contain_text("North Shore Oncology")
    group.get_by_role("link", name=PATIENT).click()
    staff.wait_for_url(live_server + timeline)
    expect(staff.locator(".stay-plan")).to_have_count(0)

    for number, stage in enumerate(STAGES):
        record_stage(staff, stage, keyboard=number == 0)
        provider.goto(live_server + "/referrals")
        expect(patient_row(provider)).to_contain_text(STAGES[stage])
        if stage == "infusion":  # the plan appears once the infusion is recorded
            plan = staff.locator(".stay-plan")
            expect(plan).to_contain_text("Stay within 2 hours of Dana-Farber/Brigham Cancer Center")
            expect(plan).to_contain_text("Home (Boston, MA, located by city) is about")
            expect(plan).to_contain_text("inside the radius, no lodging needed.")

    history = staff.locator("ol.history > li")
    expect(history).to_have_count(1 + len(STAGES))
    expect(history.last).to_contain_text("Long-term follow-up")
    expect(staff.locator("#move-stage option")).to_have_count(3)  # Choose…, deceased, lost
    staff.goto(live_server + timeline)  # from the top: the stage, the patient and the plan
    screenshot(staff, "referral-timeline")
    assert axe_violations(staff) == []

    staff.goto(f"{live_server}/staff/centers/{CENTER}/referrals")
    group = staff.locator("section.stage-group").filter(has=staff.locator("#stage-follow_up"))
    expect(group).to_contain_text(PATIENT)
    screenshot(staff, "referrals-center-dashboard")
    assert axe_violations(staff) == []

    provider.goto(live_server + "/referrals")
    expect(patient_row(provider)).to_contain_text("Long-term follow-up")
    screenshot(provider, "referrals-provider-dashboard")
    assert axe_violations(provider) == []
    provider.goto(live_server + timeline)
    expect(provider.locator(".stay-plan")).to_contain_text("no lodging needed")
    expect(provider.locator("ol.history > li")).to_have_count(1 + len(STAGES))


def test_a_name_search_leaves_the_name_out_of_the_address(new_page, live_server, people):
    page = new_page(**DESKTOP)
    sign_in(page, live_server, people["provider"])
    page.goto(live_server + "/referrals")
    page.locator("#search").fill("journeym")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Search").click()
    assert answer.value.status == 200
    page.wait_for_load_state()
    assert page.url == live_server + "/referrals"
    assert not any("journeym" in url.lower() for url in page.requested)
    expect(page.get_by_role("status")).to_contain_text("whose name contains “journeym”")
    assert axe_violations(page) == []


def _paths(live_app: Flask, provider: Account) -> dict[str, str]:
    """A referral of the provider's with a planned infusion, for the page checks."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from finder.extensions import current_catalog
    from finder.geocoding import OfflineGeocoder
    from finder.referrals.records import NewReferral, refer
    from finder.storage import db

    with live_app.app_context(), db.transaction() as session:
        moment = datetime.now(UTC)
        today = moment.astimezone(ZoneInfo("America/New_York")).date()
        new = NewReferral(
            center_id=CENTER,
            patient_name="Phoebe Pagecheck",
            patient_birth_date=datetime(1970, 3, 4).date(),
            home=OfflineGeocoder().geocode("Worcester, MA"),
            indication="MM",
            product="carvykti",
        )
        made = refer(
            session,
            new,
            catalog=current_catalog(),
            provider_id=provider.id,
            today=today,
            now=moment,
        )
        made.planned_infusion = today + timedelta(days=30)
        return {
            "provider-dashboard": "/referrals",
            "new-referral": f"/referrals/new?center={CENTER}",
            "timeline": f"/referrals/{made.id}",
            "center-dashboard": f"/staff/centers/{CENTER}/referrals",
        }


@pytest.fixture(scope="module")
def paths(live_app: Flask, people) -> dict[str, str]:
    return _paths(live_app, people["provider"])


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize(
    "name", ["provider-dashboard", "new-referral", "timeline", "center-dashboard"]
)
def test_the_referral_pages_have_no_accessibility_violations_and_fit_a_phone(
    new_page, live_server, people, paths, name, screen
):
    page = new_page(**SCREENS[screen])
    sign_in(page, live_server, people["staff" if name == "center-dashboard" else "provider"])
    page.goto(live_server + paths[name])
    expect(page.locator("h1")).to_be_visible()
    assert axe_violations(page) == []
    if screen == "phone":
        no_sideways_scroll(page)
        if name == "provider-dashboard":
            page.locator("table.stack-table").scroll_into_view_if_needed()
            screenshot(page, "phone-referrals-dashboard")


def test_a_refused_referral_form_marks_each_field_and_stays_accessible(
    new_page, live_server, people
):
    page = new_page(**DESKTOP)
    sign_in(page, live_server, people["provider"])
    page.goto(f"{live_server}/referrals/new?center={CENTER}")
    page.fill("#patient_name", "Felix Formcheck")
    page.fill("#home", "Springfield")
    page.evaluate("() => document.querySelector('form.referral-form').noValidate = true")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Record the referral").click()
    page.wait_for_load_state()
    assert answer.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("The referral was not recorded.")
    expect(page.get_by_label("Date of birth")).to_have_accessible_description(
        "Enter the patient's date of birth."
    )
    expect(page.locator("#home")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#home-error")).to_contain_text("More than one place has that name")
    expect(page.get_by_label("Patient's full name")).to_have_value("Felix Formcheck")
    assert axe_violations(page) == []
