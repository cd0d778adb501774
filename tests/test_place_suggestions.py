"""A misspelt place or a US state's Spanish name is answered with suggestions: by the offline
geocoder, on the search page (links that search them) and in the API's 422 error."""

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest

from finder.geocoding import AmbiguousPlace, OfflineGeocoder, PlaceNotFound
from finder.geocoding.gazetteer import load_gazetteer
from finder.geocoding.suggestions import SPANISH_STATE_NAMES, close_places

GEOCODER = OfflineGeocoder()


def suggested(query: str) -> list[str]:
    with pytest.raises(PlaceNotFound) as missing:
        GEOCODER.geocode(query)
    assert missing.value.reason == "not_found"
    return [place.label for place in missing.value.suggestions]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Chicgo", "Chicago, IL"),
        ("chicgo, il", "Chicago, IL"),
        ("Seatle", "Seattle, WA"),
        ("Hustn TX", "Houston, TX"),
        ("Bostn, MA", "Boston, MA"),
        ("Honolul", "Honolulu, HI"),
        ("Los Angelos", "Los Angeles, CA"),
        ("Minneapolls", "Minneapolis, MN"),
    ],
)
def test_a_misspelt_city_is_answered_with_the_city_meant_first(query, first):
    assert suggested(query)[0] == first


def test_the_state_typed_narrows_the_suggestions():
    assert suggested("Chicgo, IL") == ["Chicago, IL"]
    assert "Chico, CA" in suggested("Chicgo")


def test_spanish_names_of_states_and_new_york():
    assert suggested("Nueva York") == ["New York, NY", "New York"]
    assert suggested("Nuevo México") == ["New Mexico"]  # not "outside the US" for "México"
    assert suggested("carolina del norte") == ["North Carolina"]
    assert suggested("Pensilvania") == ["Pennsylvania"]
    assert suggested("Tejas") == ["Texas"]
    assert len(SPANISH_STATE_NAMES) == 16


def test_every_suggestion_is_found_when_searched():
    for query in ("Chicgo", "Nueva York", "Nuevo México", "Seatle"):
        for label in suggested(query):
            try:
                place = GEOCODER.geocode(label)
            except AmbiguousPlace as several:  # "New York": the city in NY, and others
                place = several.candidates[0]
            assert place.label == label or place.label.startswith(label)


def test_nothing_close_suggests_nothing_and_foreign_places_stay_foreign():
    assert suggested("Xyzzyq") == []
    assert close_places("Chi", load_gazetteer()) == ()
    with pytest.raises(PlaceNotFound) as foreign:
        GEOCODER.geocode("Toronto, ON")
    assert foreign.value.reason == "outside_us" and foreign.value.suggestions == ()


def test_the_api_error_carries_the_suggestions(client):
    response = client.get("/api/v1/centers?near=Chicgo")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "location_not_found"
    assert body["suggestions"][0]["label"] == "Chicago, IL"
    assert {"lat", "lon", "precision", "label", "state"} <= set(body["suggestions"][0])
    nothing = client.get("/api/v1/centers?near=Xyzzyq").get_json()
    assert nothing["suggestions"] == []


def suggestion_links(page: str) -> list[tuple[str, str]]:
    """(href, text) of each suggestion link in the page's error message."""
    block = re.search(r'<ul class="candidates suggestions"[^>]*>(.*?)</ul>', page, re.S)
    assert block is not None, "no suggestions"
    found = re.findall(r'<a href="([^"]+)">([^<]+)</a>', block.group(1))
    return [(html.unescape(href), html.unescape(text)) for href, text in found]


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "Did you mean:"), ("es", "Quizás quiso decir:")]
)
def test_the_page_offers_them_as_links_that_search_them(client, lang, words):
    response = client.get(f"/?near=Nueva+York&product=breyanzi&lang={lang}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert words in page
    links = suggestion_links(page)
    assert [text for _, text in links] == ["New York, NY", "New York"]
    query = parse_qs(urlparse(links[0][0]).query)
    assert query["near"] == ["New York, NY"] and query["product"] == ["breyanzi"]
    assert query["lang"] == [lang]
    assert client.get(links[0][0]).status_code == 200


def test_a_misspelt_city_on_the_page(client):
    page = client.get("/?near=Chicgo").get_data(as_text=True)
    assert suggestion_links(page)[0][1] == "Chicago, IL"
