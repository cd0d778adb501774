"""The offline geocoder: ZIP, city and state centroids from the bundled USPS gazetteer."""

import re
from dataclasses import dataclass

from finder.geocoding.address import AddressParts, readings
from finder.geocoding.base import AmbiguousPlace, Place, PlaceNotFound
from finder.geocoding.gazetteer import City, Gazetteer, ZipArea, load_gazetteer
from finder.geocoding.names import key_of, words
from finder.geocoding.query import clean_query
from finder.geocoding.regions import (
    FREELY_ASSOCIATED_STATES,
    MILITARY_STATES,
    STATE_NAMES,
    names_foreign_place,
)
from finder.geocoding.suggestions import close_places, spanish_name

MAX_CANDIDATES = 10

# Places found, by cleaned query: the gazetteer never changes while the process runs, and the
# same ZIPs and cities are asked for again and again. Only places are kept, never errors.
_FOUND: dict[str, Place] = {}
_MAX_FOUND = 4096

_ZIP_ONLY = re.compile(r"^(\d{5})(?:[\s-]?\d{4})?$")
_CANADIAN_POSTCODE = re.compile(r"\b[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d\b")
_DIRECTIONS = frozenset({"n", "s", "e", "w", "ne", "nw", "se", "sw"})

NOT_FOUND = "We could not find that place; check the spelling, or enter a ZIP code."
UNKNOWN_ZIP = "That ZIP code is not in use."
MILITARY_ZIP = "Military mail ZIP codes do not name a place; enter a ZIP code, city or address."
ZIP_STATE_MISMATCH = "The ZIP code and the state do not match; check both."
STREET_WITHOUT_CITY = "Add the city and state, or the ZIP code, to the street address."
UNCOVERED_AREA = "That area is not covered; enter a location in a US state or Puerto Rico."


@dataclass(frozen=True)
class OfflineGeocoder:
    """Locates ZIP codes, cities and states without sending anything anywhere."""

    def geocode(self, query: str) -> Place:
        """Return the place for `query`, at ZIP, city or state precision."""
        text = clean_query(query)
        place = _FOUND.get(text)
        if place is None:
            place = self._locate(text)
            if len(_FOUND) >= _MAX_FOUND:
                _FOUND.clear()
            _FOUND[text] = place
        return place

    def _locate(self, text: str) -> Place:
        gazetteer = load_gazetteer()
        if only_zip := _ZIP_ONLY.match(text):
            return _zip_place(gazetteer, only_zip.group(1), AddressParts())
        if _CANADIAN_POSTCODE.search(text):
            raise PlaceNotFound(reason="outside_us")

        for parts in readings(text, is_city=gazetteer.knows_city):
            place = _place(gazetteer, parts)
            if place is not None:
                return place
        if spanish := spanish_name(text, gazetteer):  # "Nuevo México" is no foreign place
            raise PlaceNotFound(NOT_FOUND, suggestions=spanish)
        if names_foreign_place(words(text)):
            raise PlaceNotFound(reason="outside_us")
        if looks_like_street_only(text):
            raise PlaceNotFound(STREET_WITHOUT_CITY)
        raise PlaceNotFound(NOT_FOUND, suggestions=close_places(text, gazetteer))


def looks_like_street_only(text: str) -> bool:
    """Tell whether text is a street line with no recognisable city, state or ZIP."""
    return text[:1].isdigit() and any(char.isalpha() for char in text)


def _place(gazetteer: Gazetteer, parts: AddressParts) -> Place | None:
    """Return the place one reading names, None if it names none, or raise if it is wrong."""
    if parts.zip is not None:
        return _zip_place(gazetteer, parts.zip, parts)
    if parts.city is None:
        if parts.state is None or parts.street is not None:
            return None
        state = gazetteer.states[parts.state]
        return Place(state.lat, state.lon, "state", state.name, state.code)
    key = key_of(parts.city)
    if parts.state is not None:
        city = gazetteer.city(key, parts.state)
        return None if city is None else _city_place(city, parts.street)
    cities = gazetteer.cities_named(key)
    if len(cities) == 1:
        return _city_place(cities[0], parts.street)
    if cities:
        candidates = tuple(_city_place(city, None) for city in cities[:MAX_CANDIDATES])
        raise AmbiguousPlace(candidates=candidates)
    return None


def _zip_place(gazetteer: Gazetteer, zip_code: str, parts: AddressParts) -> Place:
    """Return the place of a ZIP code, checked against the state typed alongside it."""
    area = gazetteer.zip_area(zip_code)
    if area is not None and area.state in MILITARY_STATES:
        raise PlaceNotFound(MILITARY_ZIP)
    if area is not None and area.state in FREELY_ASSOCIATED_STATES:
        raise PlaceNotFound(reason="outside_us")
    if area is None or not area.active:
        if parts.city is not None and parts.state is not None:
            city = gazetteer.city(key_of(parts.city), parts.state)
            if city is not None:
                return _city_place(city, parts.street)
        raise PlaceNotFound(UNKNOWN_ZIP)
    if parts.state is not None and parts.state != area.state:
        raise PlaceNotFound(ZIP_STATE_MISMATCH)
    if area.state not in STATE_NAMES:
        raise PlaceNotFound(UNCOVERED_AREA)
    label = _join(_street_label(parts.street), f"{_city_name(area, parts.city)}, {area.state}")
    label = f"{label} {area.zip}"
    if area.point is not None:
        return Place(area.point[0], area.point[1], "zip", label, area.state, area.zip)
    city = gazetteer.city(key_of(area.city), area.state)
    if city is None:
        raise PlaceNotFound(UNKNOWN_ZIP)
    return Place(city.lat, city.lon, "city", label, area.state, area.zip)


def _city_place(city: City, street: str | None) -> Place:
    label = _join(_street_label(street), f"{city.name}, {city.state}")
    return Place(city.lat, city.lon, "city", label, city.state)


def _city_name(area: ZipArea, typed: str | None) -> str:
    """Name the ZIP's city as typed when the USPS accepts that name for it, else its main name."""
    if typed is not None:
        key = key_of(typed)
        for name in (area.city, *area.other_cities):
            if key_of(name) == key:
                return name
    return area.city


def _street_label(street: str | None) -> str | None:
    """Tidy the street line for display; all-lower or all-upper input gets capitalised words."""
    if not street:
        return None
    street = " ".join(street.split()).strip(" ,")
    if not (street.islower() or street.isupper()):
        return street
    return " ".join(_display_word(word) for word in street.split())


def _display_word(word: str) -> str:
    lowered = word.lower()
    if lowered.rstrip(".") in _DIRECTIONS or re.fullmatch(r"\d+[a-z]", lowered):
        return word.upper()
    if lowered[:1].isdigit():
        return lowered
    return lowered.capitalize()


def _join(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)
