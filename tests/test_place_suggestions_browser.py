"""Suggestions for a misspelt place in a real headless Chromium: shown as links in the error,
in English and Spanish, on a desktop and a phone, reached and followed with the keyboard, with
no axe-core violations."""

import pytest

from tests.browser import axe_violations, screenshot

SIZES = {
    "desktop": {},
    "phone": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
}


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize(
    ("lang", "words"), [("en", "Did you mean:"), ("es", "Quizás quiso decir:")]
)
def test_a_misspelt_city_offers_the_city_meant(page_factory, live_server, size, lang, words):
    page = page_factory(**SIZES[size])
    page.goto(f"{live_server}/?lang={lang}")
    page.fill("#near", "Chicgo")
    page.press("#near", "Enter")
    alert = page.locator("[role=alert]")
    alert.wait_for()
    assert words in alert.inner_text()
    links = page.locator("#search-error ul.suggestions a")
    assert links.first.inner_text() == "Chicago, IL"
    assert axe_violations(page) == []
    screenshot(page, f"suggestions-{lang}-{size}")
    if size == "phone":
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    links.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#results")
    assert "Chicago, IL" in page.inner_text("#results-heading")
    assert page.evaluate("() => document.documentElement.lang") == lang


def test_a_spanish_name_offers_the_city_and_the_state(page_factory, live_server):
    page = page_factory()
    page.goto(f"{live_server}/?lang=es&near=Nueva+York")
    texts = page.locator("#search-error ul.suggestions a").all_inner_texts()
    assert texts == ["New York, NY", "New York"]
    assert axe_violations(page) == []
