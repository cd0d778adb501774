"""The search page in a real headless Chromium: search, list order, map, privacy, axe-core."""

import pytest
import requests

from tests.browser import axe_violations, only_local, screenshot

PLACES = {
    "zip": "02115",
    "city": "Houston, TX",
    "street": "1100 Fairview Ave N, Seattle, WA 98109",
}


def search(page, base: str, near: str) -> None:
    page.goto(base + "/")
    page.fill("#near", near)
    page.press("#near", "Enter")
    page.wait_for_selector("#results")


def listed_ids(page) -> list[str]:
    return page.eval_on_selector_all("[data-center-id]", "els => els.map(e => e.dataset.centerId)")


def api_ids(base: str, near: str) -> list[str]:
    """The API's order, kept to the programs for adults (the page's default), as the page
    keeps them: centers whose ages are not listed stay."""
    response = requests.get(
        f"{base}/api/v1/centers", params={"near": near, "limit": 150}, timeout=10
    )
    results = response.json()["results"]
    return [
        r["id"]
        for r in results
        if "adult" in (r.get("populations") or r.get("center", {}).get("populations") or ["adult"])
    ][:50]


def wait_for_map(page, centers: int) -> None:
    # Every center is a numbered marker; the patient and the stay zone are SVG paths.
    page.wait_for_function(
        "n => document.querySelectorAll('.center-marker').length >= n", arg=centers
    )
    page.wait_for_selector("path.stay-zone", state="attached")
    page.wait_for_selector("path.patient-location", state="attached")


@pytest.mark.parametrize("kind", list(PLACES))
def test_a_search_lists_centers_in_the_api_order_and_maps_them(page_factory, live_server, kind):
    page = page_factory(viewport={"width": 1280, "height": 900})
    search(page, live_server, PLACES[kind])
    ids = listed_ids(page)
    assert ids and ids == api_ids(live_server, PLACES[kind])
    wait_for_map(page, len(ids))
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-basemap-pane path').length > 50"
    )
    screenshot(page, f"search-{kind}")
    assert only_local(page) == []
    assert axe_violations(page) == []


def test_the_address_is_not_in_the_page_requests_of_other_hosts(page_factory, live_server):
    page = page_factory()
    search(page, live_server, "1100 Fairview Ave N, Seattle, WA 98109")
    wait_for_map(page, len(listed_ids(page)))
    assert only_local(page) == []


def test_the_empty_page_has_no_accessibility_violations(page_factory, live_server):
    page = page_factory()
    page.goto(live_server + "/")
    assert axe_violations(page) == []


def test_an_ambiguous_place_offers_candidates_to_pick(page_factory, live_server):
    page = page_factory()
    search_page = live_server + "/?near=Springfield"
    page.goto(search_page)
    alert = page.locator("[role=alert]")
    assert "More than one place" in alert.inner_text()
    page.click("text=Springfield, IL")
    page.wait_for_selector("#results")
    assert "Springfield, IL" in page.inner_text("#results-heading")
    assert axe_violations(page) == []


def test_a_phone_sized_screen_shows_the_list_without_sideways_scrolling(page_factory, live_server):
    page = page_factory(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    search(page, live_server, "Houston, TX")
    wait_for_map(page, len(listed_ids(page)))
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375
    screenshot(page, "phone-houston")
    assert axe_violations(page) == []


def test_a_keyboard_only_search(page_factory, live_server):
    page = page_factory()
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "near"
    page.keyboard.type("60637")
    order = []
    for _ in range(6):  # disease, product, patient, rule, then the button
        page.keyboard.press("Tab")
        order.append(
            page.evaluate("() => document.activeElement.id || document.activeElement.type")
        )
    assert order[:5] == ["indication", "product", "population", "rule", "submit"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#results")
    assert listed_ids(page) == api_ids(live_server, "60637")
    screenshot(page, "keyboard-chicago")


def test_the_list_works_with_javascript_off(page_factory, live_server):
    page = page_factory(java_script_enabled=False)
    page.goto(live_server + "/?near=02115")
    assert listed_ids(page) == api_ids(live_server, "02115")
    assert page.locator("text=You could stay at home").first.is_visible()


def test_spanish_page(page_factory, live_server):
    page = page_factory(locale="es-ES")
    search(page, live_server, "San Juan, PR")
    assert page.get_attribute("html", "lang") == "es"
    assert "centros cerca de" in page.inner_text("#results-heading")
    screenshot(page, "spanish-san-juan")
    assert axe_violations(page) == []
