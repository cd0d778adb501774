"""The patient's answer in a real Chromium: the answer first, no silent drops, numbered and
spread markers, the date line, the center page and its print view, a phone, Spanish, axe."""

import pytest

from tests.browser import axe_violations, only_local, screenshot
from tests.test_search_page_browser import search


def markers(page) -> list[dict]:
    page.wait_for_selector(".center-marker")
    return page.eval_on_selector_all(
        ".center-marker",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {n: e.textContent, x: r.x, y: r.y, w: r.width}; })",
    )


def test_honolulu_myeloma_answers_and_lists_the_local_centers_to_call(page_factory, live_server):
    page = page_factory(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/?near=Honolulu,+HI&indication=MM#answer")
    answer = page.inner_text("#answer")
    assert "call to ask" in answer
    maybe = page.eval_on_selector_all(
        ".maybe-list [data-center-id]", "els => els.map(e => e.dataset.centerId)"
    )
    assert "straub-benioff-honolulu" in maybe
    numbers = [m["n"] for m in markers(page)]
    listed = page.eval_on_selector_all(".center .number", "els => els.map(e => e.textContent)")
    assert sorted(numbers, key=int) == sorted(listed, key=int)
    # The Honolulu centers' markers are not under the patient's dot: markers sit above it.
    patient = page.locator("path.patient-location").bounding_box()
    x, y = patient["x"] + patient["width"] / 2, patient["y"] + patient["height"] / 2
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).className", [x, y])
    assert "patient-location" not in str(on_top) or not any(
        abs(m["x"] - x) < 13 for m in markers(page)
    )
    screenshot(page, "honolulu-myeloma")
    assert only_local(page) == []
    assert axe_violations(page) == []


def test_helena_hears_the_nearest_and_the_stay_with_an_example(page_factory, live_server):
    page = page_factory()
    search(page, live_server, "Helena, MT")
    answer = page.inner_text("#answer")
    assert "No center is within 2 hours" in answer
    assert "Example only, not an appointment" in answer
    page.wait_for_selector(".place-label")
    assert page.locator(".place-label", has_text="Helena").count() >= 0
    screenshot(page, "helena")
    assert axe_violations(page) == []


def test_houston_markers_at_one_point_are_side_by_side(page_factory, live_server):
    page = page_factory(viewport={"width": 1280, "height": 900})
    search(page, live_server, "77030")
    found = markers(page)
    spots = {(round(m["x"]), round(m["y"])) for m in found}
    assert len(spots) == len(found)  # no two markers on the same spot
    screenshot(page, "houston-spread")


def test_chicago_adult_search_does_not_start_with_a_childrens_hospital(page_factory, live_server):
    page = page_factory()
    search(page, live_server, "Chicago, IL")
    first = page.locator("[data-center-id]").first
    assert "children" not in (first.get_attribute("data-center-id") or "")
    assert page.locator(".badge-children").count() == 0


def test_guam_map_runs_east_across_the_date_line(page_factory, live_server):
    page = page_factory(viewport={"width": 1280, "height": 900})
    search(page, live_server, "96910")
    found = markers(page)
    patient = page.locator("path.patient-location").bounding_box()
    # Hawaii and the mainland lie east of Guam: right of the patient, never wrapped to the left.
    assert found and all(m["x"] > patient["x"] - 30 for m in found[:5])
    screenshot(page, "guam")
    assert axe_violations(page) == []


def test_the_center_page_prints_as_a_plan(page_factory, live_server):
    page = page_factory()
    page.goto(live_server + "/centers/dana-farber-boston?near=Portland,+ME&product=yescarta")
    assert "AstraZeneca Hope Lodge" in page.inner_text("main")
    assert page.locator("a[href^='mailto:']").count() == 1
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("#print-plan").is_visible()
    assert page.locator("#plan-heading").is_visible()
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF")
    screenshot(page, "center-print")


def test_a_center_page_by_keyboard_from_the_results(page_factory, live_server):
    page = page_factory()
    search(page, live_server, "02115")
    link = page.locator(".center-link a").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#center-name")
    assert "/centers/" in page.url


@pytest.mark.parametrize("near", ["Houston, TX"])
def test_on_a_phone_the_answer_is_in_view_after_searching(page_factory, live_server, near):
    page = page_factory(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    search(page, live_server, near)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'answer'")
    box = page.locator("#answer").bounding_box()
    assert box is not None and 0 <= box["y"] < 740
    screenshot(page, "phone-answer")


def test_spanish_sticks_from_the_results_to_the_center_page(page_factory, live_server):
    page = page_factory()
    page.goto(live_server + "/?lang=es")
    page.fill("#near", "Honolulu, HI")
    page.press("#near", "Enter")
    page.wait_for_selector("#answer")
    assert "llame para preguntar" in page.inner_text("main") or "carretera" in page.inner_text(
        "#answer"
    )
    page.goto(live_server + "/centers/straub-benioff-honolulu")
    assert page.get_attribute("html", "lang") == "es"
    assert "Dónde alojarse cerca" in page.inner_text("main")
    assert axe_violations(page) == []
