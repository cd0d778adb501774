"""The coverage page in a real headless Chromium: the map with no network, axe, the planner by
keyboard, Spanish and a phone."""

import pytest
from flask import Flask

from tests.accounts import Account, add_account
from tests.browser import axe_violations, only_local, screenshot
from tests.test_account_browser import focused, sign_in, tab_to


@pytest.fixture(scope="module")
def planner(live_app: Flask) -> Account:
    return add_account(live_app, "coverage_admin", role="admin", name="Ada Planner")


def wait_for_map(page, cells: int = 500, centers: int = 20) -> None:
    page.wait_for_function("n => document.querySelectorAll('path.cell').length > n", arg=cells)
    page.wait_for_function(
        "n => document.querySelectorAll('path.center-point').length > n", arg=centers
    )


def test_the_map_draws_with_no_network_and_axe_finds_nothing(page_factory, live_server):
    page = page_factory(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/coverage?product=BCMA")
    wait_for_map(page)
    assert page.locator("#bands tbody tr").count() == 4
    screenshot(page, "coverage-bcma")
    assert only_local(page) == []
    assert axe_violations(page) == []
    assert "Sign in as center staff" in page.inner_text("#planner")


def test_the_planner_works_with_the_keyboard(page_factory, live_server, planner):
    page = page_factory(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server, planner)
    page.goto(live_server + "/coverage")
    wait_for_map(page)
    page.focus("#show")
    tab_to(page, "input#k", most=40)
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    assert focused(page) == "textarea#candidates"
    page.keyboard.type("Boise, ID\nFargo, ND\nLas Vegas, NV")
    page.keyboard.press("Tab")
    assert focused(page) == "button#plan-submit"
    page.keyboard.press("Enter")
    page.wait_for_selector("#plan-result")
    assert page.locator(".planned-sites li").count() == 2
    page.wait_for_function("() => document.querySelectorAll('path.planned-site').length == 2")
    assert "Every combination was tried" in page.inner_text("#plan-result")
    screenshot(page, "coverage-plan")
    assert only_local(page) == []
    assert axe_violations(page) == []


def test_spanish_on_a_phone(page_factory, live_server):
    page = page_factory(
        locale="es-ES", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page.goto(live_server + "/coverage?state=PR")
    wait_for_map(page, cells=3, centers=0)
    assert page.get_attribute("html", "lang") == "es"
    assert "Cobertura en PR" in page.inner_text("#summary-heading")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    screenshot(page, "coverage-phone-es")
    assert axe_violations(page) == []
