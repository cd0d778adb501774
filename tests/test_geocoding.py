"""Behaviour of the geocoding port, its offline gazetteer adapter, online adapters and registry."""

import logging
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import geopy.exc
import pytest
from geopy.location import Location

from finder.geocoding import (
    GEOCODER_NAMES,
    AmbiguousPlace,
    GeocoderUnavailable,
    GeocodingError,
    InvalidQuery,
    OfflineGeocoder,
    Place,
    PlaceNotFound,
    get_geocoder,
    online,
)

offline = OfflineGeocoder()


def locate(query: str) -> Place:
    return offline.geocode(query)


def failure_of(query: str) -> GeocodingError:
    with pytest.raises(GeocodingError) as caught:
        locate(query)
    return caught.value


# ZIP codes


def test_zip_code_resolves_to_its_centroid() -> None:
    place = locate("02115")
    assert place.precision == "zip"
    assert place.zip == "02115"
    assert place.state == "MA"
    assert place.label == "Boston, MA 02115"
    assert place.lat == pytest.approx(42.34, abs=0.05)
    assert place.lon == pytest.approx(-71.09, abs=0.05)


@pytest.mark.parametrize("query", ["02115-1234", "02115 1234", "021151234"])
def test_zip_plus_four_resolves_to_the_five_digit_zip(query: str) -> None:
    assert locate(query) == locate("02115")


def test_five_digit_number_that_is_no_zip_is_not_found() -> None:
    with pytest.raises(PlaceNotFound) as caught:
        locate("99999")
    assert caught.value.reason == "not_found"


def test_military_zip_is_not_a_place() -> None:
    with pytest.raises(PlaceNotFound) as caught:
        locate("09001")
    assert caught.value.reason == "not_found"


# Cities and states


@pytest.mark.parametrize("query", ["Boston MA", "Boston, MA", "Boston, Massachusetts"])
def test_city_and_state_resolve_to_the_city_centroid(query: str) -> None:
    place = locate(query)
    assert (place.precision, place.label, place.state, place.zip) == (
        "city",
        "Boston, MA",
        "MA",
        None,
    )
    assert place.lat == pytest.approx(42.35, abs=0.1)
    assert place.lon == pytest.approx(-71.07, abs=0.1)


@pytest.mark.parametrize(
    "query", ["  bOsToN ,   ma  ", "BOSTON\tMA", "boston,, ma.", "Boston Mass."]
)
def test_case_spacing_and_punctuation_do_not_matter(query: str) -> None:
    assert locate(query) == locate("Boston, MA")


@pytest.mark.parametrize(
    "query", ["St. Louis MO", "Saint Louis, MO", "st louis mo", "St.Louis, Mo"]
)
def test_saint_and_st_spellings_meet(query: str) -> None:
    place = locate(query)
    assert (place.label, place.state) == ("Saint Louis, MO", "MO")


@pytest.mark.parametrize(
    ("query", "state"),
    [
        ("Ft Worth TX", "TX"),
        ("Fort Worth, Texas", "TX"),
        ("Mt Vernon NY", "NY"),
        ("Winston-Salem NC", "NC"),
        ("winston salem, north carolina", "NC"),
        ("Coeur d'Alene ID", "ID"),
        ("Mayagüez, PR", "PR"),
        ("Washington, D.C.", "DC"),
    ],
)
def test_abbreviations_hyphens_apostrophes_and_accents_are_normalised(
    query: str, state: str
) -> None:
    place = locate(query)
    assert place.precision == "city"
    assert place.state == state


def test_city_known_only_by_an_acceptable_usps_name_is_found() -> None:
    place = locate("Dorchester MA")
    assert (place.precision, place.state) == ("city", "MA")


def test_city_named_in_one_state_only_needs_no_state() -> None:
    place = locate("Honolulu")
    assert (place.label, place.state, place.precision) == ("Honolulu, HI", "HI", "city")


def test_city_in_several_states_is_ambiguous() -> None:
    with pytest.raises(AmbiguousPlace) as caught:
        locate("Springfield")
    candidates = caught.value.candidates
    states = [candidate.state for candidate in candidates]
    assert {"IL", "MA", "MO"} <= set(states)
    assert states[:3] == ["IL", "MA", "MO"]  # most ZIP codes first
    assert len(candidates) <= 10
    assert len(set(states)) == len(states)
    assert all(candidate.precision == "city" for candidate in candidates)
    assert candidates[0].label == "Springfield, IL"


@pytest.mark.parametrize("query", ["Portland", "Boston"])
def test_other_shared_city_names_are_ambiguous(query: str) -> None:
    with pytest.raises(AmbiguousPlace):
        locate(query)


def test_city_missing_from_the_named_state_is_not_found() -> None:
    with pytest.raises(PlaceNotFound) as caught:
        locate("Boston, CA")
    assert caught.value.reason == "not_found"


@pytest.mark.parametrize(
    ("query", "label", "state"),
    [
        ("Texas", "Texas", "TX"),
        ("TX", "Texas", "TX"),
        ("Puerto Rico", "Puerto Rico", "PR"),
        ("west virginia", "West Virginia", "WV"),
    ],
)
def test_bare_state_resolves_at_state_precision(query: str, label: str, state: str) -> None:
    place = locate(query)
    assert (place.precision, place.label, place.state, place.zip) == ("state", label, state, None)


def test_state_centroid_lies_inside_the_state() -> None:
    place = locate("Texas")
    assert 25.8 < place.lat < 36.5
    assert -106.7 < place.lon < -93.5


@pytest.mark.parametrize(
    ("query", "state", "lat", "lon"),
    [
        ("San Juan, PR", "PR", 18.4, -66.1),
        ("san juan puerto rico", "PR", 18.4, -66.1),
        ("00901", "PR", 18.47, -66.1),
        ("Honolulu HI", "HI", 21.3, -157.8),
        ("96813", "HI", 21.3, -157.85),
        ("Anchorage AK", "AK", 61.2, -149.9),
        ("99501", "AK", 61.2, -149.9),
    ],
)
def test_places_in_puerto_rico_hawaii_and_alaska(
    query: str, state: str, lat: float, lon: float
) -> None:
    place = locate(query)
    assert place.state == state
    assert place.lat == pytest.approx(lat, abs=0.2)
    assert place.lon == pytest.approx(lon, abs=0.2)


# Street addresses


def test_street_address_with_zip_resolves_to_the_zip_and_keeps_the_street() -> None:
    place = locate("450 Brookline Ave Boston MA 02215")
    assert place.precision == "zip"
    assert place.zip == "02215"
    assert place.label == "450 Brookline Ave, Boston, MA 02215"
    assert (place.lat, place.lon) == (locate("02215").lat, locate("02215").lon)


def test_street_address_with_commas_and_zip() -> None:
    place = locate("1 Main St, Springfield, IL 62701")
    assert (place.precision, place.state, place.zip) == ("zip", "IL", "62701")
    assert place.label == "1 Main St, Springfield, IL 62701"


def test_street_address_without_zip_resolves_to_the_city() -> None:
    place = locate("450 brookline avenue, boston, ma")
    assert (place.precision, place.zip) == ("city", None)
    assert place.label == "450 Brookline Avenue, Boston, MA"
    assert (place.lat, place.lon) == (locate("Boston, MA").lat, locate("Boston, MA").lon)


def test_street_address_usaddress_cannot_tag_is_read_by_our_own_rules() -> None:
    place = locate("123 Main St Apt 4, Unit 5, Boston MA")
    assert (place.precision, place.state) == ("city", "MA")


def test_street_address_with_zip_plus_four() -> None:
    assert locate("55 Fruit St Boston MA 02114-2696").zip == "02114"


def test_zip_wins_over_a_different_city_in_the_same_state() -> None:
    place = locate("Cambridge MA 02215")
    assert (place.zip, place.precision, place.label) == ("02215", "zip", "Boston, MA 02215")


def test_zip_and_state_that_disagree_are_refused() -> None:
    with pytest.raises(PlaceNotFound) as caught:
        locate("450 Brookline Ave, Boston, CA 02215")
    assert caught.value.reason == "not_found"
    assert "ZIP code and the state do not match" in caught.value.message


def test_street_without_city_state_or_zip_is_not_found() -> None:
    with pytest.raises(PlaceNotFound) as caught:
        locate("1 Main St")
    assert "city" in caught.value.message


# Bad and foreign input


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 201,
        "Boston " * 40,
        "...",
        "?!",
        "Boston\x00MA",
        "Boston\x1b[31mMA",
        "Boston\u200bMA",
        "<script>alert(1)</script>",
        "<script>",
        "'; DROP TABLE centers; --",
        "0",
        "123",
        "99999999999",
        "a" * 60,
        "Boston 🏥 MA",
    ],
)
def test_text_that_is_no_place_is_an_invalid_query(query: str) -> None:
    with pytest.raises(InvalidQuery):
        locate(query)


def test_non_text_is_an_invalid_query() -> None:
    with pytest.raises(InvalidQuery):
        offline.geocode(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query",
    [
        "London, UK",
        "Toronto, Ontario",
        "Paris France",
        "Mexico City",
        "Vancouver BC",
        "10 Downing St London UK",
        "Toronto ON M5V 2T6",
    ],
)
def test_foreign_places_are_outside_the_us(query: str) -> None:
    with pytest.raises(PlaceNotFound) as caught:
        locate(query)
    assert caught.value.reason == "outside_us"


def test_us_city_sharing_a_foreign_name_is_found_with_its_state() -> None:
    assert locate("Paris, TX").state == "TX"


def test_unknown_name_is_not_found() -> None:
    with pytest.raises(PlaceNotFound) as caught:
        locate("Xyzzyville QX")
    assert caught.value.reason == "not_found"


@pytest.mark.parametrize(
    "query",
    [
        "450 Brookline Ave, Boston, CA 02215",
        "Xyzzyville QX",
        "Springfield",
        "London, UK",
        "99999",
        "09001",
        "<script>",
        "'; DROP TABLE centers",
        "1 Elmwood Lane",
        "x" * 201,
    ],
)
def test_messages_never_repeat_the_query(query: str) -> None:
    error = failure_of(query)
    for text in (error.message, str(error), repr(error)):
        assert query.casefold() not in text.casefold()
        typed = {word for word in re.findall(r"\w+", query.casefold()) if len(word) >= 4}
        said = set(re.findall(r"\w+", text.casefold()))
        assert not typed & said


# Start-up


def test_importing_the_package_does_not_build_the_gazetteer() -> None:
    script = (
        "import finder.geocoding, sys\n"
        "from finder.geocoding import gazetteer\n"
        "built = gazetteer._build_gazetteer.cache_info().currsize\n"
        "finder.geocoding.warm_up()\n"
        "print(built, gazetteer._build_gazetteer.cache_info().currsize, 'geopy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["0", "1", "False"]


# Registry


def test_registry_knows_the_offline_and_online_geocoders() -> None:
    assert set(GEOCODER_NAMES) == {"offline", "nominatim", "photon", "arcgis"}
    assert isinstance(get_geocoder("offline"), OfflineGeocoder)
    for name in ("nominatim", "photon", "arcgis"):
        geocoder = get_geocoder(name, user_agent="cart-center-finder-tests")
        assert isinstance(geocoder, online.OnlineGeocoder)
        assert isinstance(geocoder.fallback, OfflineGeocoder)


def test_registry_defaults_to_offline_and_ignores_case() -> None:
    assert isinstance(get_geocoder(), OfflineGeocoder)
    assert isinstance(get_geocoder(" Offline "), OfflineGeocoder)


def test_registry_refuses_an_unknown_name_and_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="offline, nominatim, photon, arcgis"):
        get_geocoder("google")


def test_nominatim_needs_a_user_agent() -> None:
    with pytest.raises(ValueError, match="user_agent"):
        get_geocoder("nominatim")


# Online adapters, with fake geopy services: no network


class FakeService:
    """Stands in for a geopy geocoder: answers with `answer` or raises it."""

    answer: Any = None

    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def geocode(self, query: str, **options: Any) -> Any:
        self.calls.append((query, options))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def fake_nominatim(
    monkeypatch: pytest.MonkeyPatch, answer: Any, **options: Any
) -> tuple[online.OnlineGeocoder, FakeService]:
    """Build the registry's Nominatim adapter around a fake service giving `answer`."""

    class FakeNominatim(FakeService):
        pass

    FakeNominatim.answer = answer
    monkeypatch.setattr(online, "Nominatim", FakeNominatim)
    settings = {"user_agent": "cart-center-finder-tests", "min_delay_seconds": 0.0, **options}
    geocoder = get_geocoder("nominatim", **settings)
    assert isinstance(geocoder, online.OnlineGeocoder)
    assert isinstance(geocoder.service, FakeService)
    return geocoder, geocoder.service


def nominatim_location(**address: str) -> Location:
    raw = {
        "lat": "42.3374",
        "lon": "-71.1082",
        "class": "place",
        "type": "house",
        "addresstype": "place",
        "display_name": "450, Brookline Avenue, Boston, Massachusetts, 02215, United States",
        "address": {
            "ISO3166-2-lvl4": "US-MA",
            "state": "Massachusetts",
            "postcode": "02215",
            "country_code": "us",
            **address,
        },
    }
    return Location(raw["display_name"], (42.3374, -71.1082), raw)


@pytest.mark.parametrize(
    "failure",
    [
        geopy.exc.GeocoderUnavailable("down"),
        geopy.exc.GeocoderTimedOut("slow"),
        geopy.exc.GeocoderServiceError("broken"),
        OSError("unreachable"),
    ],
)
def test_online_geocoder_falls_back_to_offline_when_the_service_fails(
    monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    geocoder, service = fake_nominatim(monkeypatch, failure)
    assert geocoder.geocode("Boston, MA") == locate("Boston, MA")
    assert len(service.calls) == 1


def test_online_geocoder_without_fallback_reports_the_service_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(FakeService, "answer", geopy.exc.GeocoderUnavailable("down"))
    monkeypatch.setattr(online, "Nominatim", FakeService)
    geocoder = online.online_geocoder(
        "nominatim", user_agent="tests", min_delay_seconds=0.0, fallback=None
    )
    with pytest.raises(GeocoderUnavailable) as caught:
        geocoder.geocode("450 Brookline Ave, Boston, MA")
    assert "Brookline" not in caught.value.message
    assert caught.value.__cause__ is None


def test_online_geocoder_answers_a_repeated_query_from_its_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geocoder, service = fake_nominatim(monkeypatch, nominatim_location(house_number="450"))
    first = geocoder.geocode("450 Brookline Ave, Boston, MA")
    again = geocoder.geocode("450  brookline ave boston ma")
    assert first == again
    assert len(service.calls) == 1


def test_online_cache_forgets_the_least_recently_used_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geocoder, service = fake_nominatim(monkeypatch, nominatim_location(), cache_size=1)
    for query in ("Boston, MA", "Brookline, MA", "Boston, MA"):
        geocoder.geocode(query)
    assert len(service.calls) == 3


def test_online_geocoder_reads_precision_state_and_zip_from_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geocoder, service = fake_nominatim(monkeypatch, nominatim_location(house_number="450"))
    place = geocoder.geocode("450 Brookline Ave, Boston, MA")
    assert (place.precision, place.state, place.zip) == ("address", "MA", "02215")
    assert place.lat == pytest.approx(42.3374)
    options = service.calls[0][1]
    assert {"us", "pr"} <= set(options["country_codes"])
    assert service.settings["user_agent"] == "cart-center-finder-tests"


def test_online_geocoder_without_an_answer_reports_not_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geocoder, _ = fake_nominatim(monkeypatch, None)
    with pytest.raises(PlaceNotFound) as caught:
        geocoder.geocode("Xyzzyville, MA")
    assert caught.value.reason == "not_found"


def test_online_answer_outside_the_us_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    toronto = Location(
        "Toronto, Ontario, Canada",
        (43.65, -79.38),
        {"properties": {"countrycode": "CA", "state": "Ontario", "type": "city"}},
    )
    monkeypatch.setattr(FakeService, "answer", toronto)
    monkeypatch.setattr(online, "Photon", FakeService)
    geocoder = get_geocoder("photon", min_delay_seconds=0.0)
    with pytest.raises(PlaceNotFound) as caught:
        geocoder.geocode("Toronto")
    assert caught.value.reason == "outside_us"


def test_online_geocoder_refuses_bad_input_without_asking_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    geocoder, service = fake_nominatim(monkeypatch, nominatim_location())
    with pytest.raises(InvalidQuery):
        geocoder.geocode("<script>")
    assert service.calls == []


@pytest.mark.parametrize(
    "answer",
    [geopy.exc.GeocoderUnavailable("down"), nominatim_location(house_number="450")],
    ids=["failing", "answering"],
)
def test_online_geocoder_never_logs_the_query(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, answer: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    geocoder, _ = fake_nominatim(monkeypatch, answer)
    geocoder.geocode("450 Brookline Ave, Boston, MA")
    logging.getLogger("geopy").debug("GET https://example.test/?q=450+Brookline+Ave")
    assert "Brookline" not in caplog.text


def test_every_adapter_satisfies_the_port() -> None:
    geocode: Callable[[str], Place] = get_geocoder("offline").geocode
    assert geocode("02115").zip == "02115"
