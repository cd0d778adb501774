"""What answers from Nominatim, Photon and ArcGIS say about country, state, ZIP and precision."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from finder.geocoding.base import Precision
from finder.geocoding.names import key_of
from finder.geocoding.regions import STATE_NAMES, STATE_SPELLINGS

# Two- and three-letter country codes of the areas covered, mapped to their USPS state code
# (None for the United States proper, whose state comes from the answer's address).
COVERED_COUNTRIES: Mapping[str, str | None] = {
    "us": None, "usa": None, "pr": "PR", "pri": "PR", "vi": "VI", "vir": "VI", "gu": "GU",
    "gum": "GU",
}  # fmt: skip
_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_ADDRESS_KINDS = frozenset(
    {"house", "building", "pointaddress", "streetaddress", "subaddress", "streetint", "poi"}
)
_PLACE_CLASSES = frozenset({"building", "amenity", "healthcare", "office", "shop", "tourism"})
_ZIP_KINDS = frozenset({"postcode", "postal", "postalext", "postalloc"})
_CITY_KINDS = frozenset(
    {"city", "town", "village", "hamlet", "municipality", "borough", "suburb", "locality",
     "neighbourhood", "quarter", "district", "county"}
)  # fmt: skip


@dataclass(frozen=True)
class ServiceAnswer:
    """The parts of one service answer that a Place needs; None where the answer is silent."""

    lat: float
    lon: float
    label: str
    country: str | None
    state: str | None
    zip: str | None
    precision: Precision | None


# Reads one geopy Location (its point, address and service-specific `raw`).
AnswerReader = Callable[[Any], ServiceAnswer]


def read_nominatim(location: Any) -> ServiceAnswer:
    """Read a Nominatim answer requested with `addressdetails=True`."""
    raw: Mapping[str, Any] = location.raw
    address: Mapping[str, Any] = raw.get("address") or {}
    iso = str(address.get("ISO3166-2-lvl4") or "")
    kind = str(raw.get("addresstype") or raw.get("type") or "")
    if "house_number" in address or raw.get("class") in _PLACE_CLASSES:
        kind = "house"
    return _answer(
        location,
        country=address.get("country_code"),
        state=iso[3:] if iso.upper().startswith("US-") else address.get("state"),
        zip_code=address.get("postcode"),
        kind=kind,
    )


def read_photon(location: Any) -> ServiceAnswer:
    """Read a Photon (GeoJSON feature) answer."""
    properties: Mapping[str, Any] = location.raw.get("properties") or {}
    kind = str(properties.get("type") or "")
    if "housenumber" in properties:
        kind = "house"
    return _answer(
        location,
        country=properties.get("countrycode"),
        state=properties.get("state"),
        zip_code=properties.get("postcode"),
        kind=kind,
    )


def read_arcgis(location: Any) -> ServiceAnswer:
    """Read an ArcGIS answer requested with `out_fields="*"`."""
    attributes: Mapping[str, Any] = location.raw.get("attributes") or {}
    return _answer(
        location,
        country=attributes.get("Country") or attributes.get("CntryName"),
        state=attributes.get("RegionAbbr") or attributes.get("Region"),
        zip_code=attributes.get("Postal"),
        kind=str(attributes.get("Addr_type") or ""),
    )


def state_code(country: str | None, state: str | None) -> str | None:
    """Return the USPS code of a covered state or territory named by an answer, if any."""
    territory = COVERED_COUNTRIES.get((country or "").lower())
    if territory is not None:
        return territory
    if not state:
        return None
    code = state.strip().upper()
    if code in STATE_NAMES:
        return code
    return STATE_SPELLINGS.get(key_of(state))


def _answer(
    location: Any, *, country: object, state: object, zip_code: object, kind: str
) -> ServiceAnswer:
    zip_match = _ZIP.match(str(zip_code or "").strip())
    return ServiceAnswer(
        lat=float(location.latitude),
        lon=float(location.longitude),
        label=str(location.address),
        country=str(country).lower() if country else None,
        state=str(state) if state else None,
        zip=zip_match.group(1) if zip_match else None,
        precision=_precision(kind.lower()),
    )


def _precision(kind: str) -> Precision | None:
    if kind in _ADDRESS_KINDS:
        return "address"
    if kind in _ZIP_KINDS:
        return "zip"
    if kind in _CITY_KINDS:
        return "city"
    if kind in {"state", "region"}:
        return "state"
    return None
