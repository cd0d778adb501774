"""Authorized treatment centers and the validation of the centers file, row by row."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from finder.domain.claims import ProductClaim, ReferralContact
from finder.domain.contact import NOT_ALLOWED, unsafe_text
from finder.domain.errors import InvalidCenterFile
from finder.domain.products import POPULATIONS, ProductCatalog

CENTER_FIELDS = (
    "id", "name", "street", "city", "state", "zip", "lat", "lon", "phone", "website",
    "timezone", "products", "indications", "populations", "source", "verified_on",
)  # fmt: skip
REQUIRED_FIELDS = ("id", "name", "city", "state", "zip", "lat", "lon", "timezone", "source")
US_STATES = frozenset((
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR", "VI", "GU",
))  # fmt: skip
# (min lon, min lat, max lon, max lat): the contiguous US, Alaska, Hawaii, Puerto Rico and the
# Virgin Islands, Guam. Generous by a few km so coastal hospitals are never refused.
US_BOUNDS = (
    (-125.0, 24.3, -66.8, 49.5),
    (-180.0, 51.0, -129.9, 71.6),
    (170.0, 51.0, 180.0, 53.5),
    (-160.6, 18.5, -154.4, 22.6),
    (-68.0, 17.5, -64.3, 18.7),
    (144.5, 13.1, 145.1, 13.8),
)
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ZIP = re.compile(r"^\d{5}$")
_PHONE = re.compile(r"^\+1-\d{3}-\d{3}-\d{4}$")
_LIST_SEPARATOR = ";"
# Words that reach pages, calendar invites and the mail's subject and body.
TEXT_FIELDS = ("name", "street", "city", "website", "source")


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class Center:
    """A CAR T treatment center and the products its manufacturers authorized it to give."""

    id: str
    name: str
    address: Address
    lat: float
    lon: float
    phone: str
    website: str
    timezone: str
    products: tuple[str, ...]
    indications: tuple[str, ...]
    populations: tuple[str, ...]
    source: str
    verified_on: date | None
    # Each product's claim (see finder.domain.claims); the profile its staff keep.
    claims: tuple[ProductClaim, ...] = ()
    accepting_referrals: bool | None = None
    referral_contact: ReferralContact = field(default_factory=ReferralContact)
    outpatient: bool | None = None
    languages: tuple[str, ...] = ()

    def claim_for(self, product: str) -> ProductClaim | None:
        return next((claim for claim in self.claims if claim.product == product), None)


def inside_us(lat: float, lon: float) -> bool:
    """Whether a point falls in the US or its territories."""
    return any(w <= lon <= e and s <= lat <= n for w, s, e, n in US_BOUNDS)


def parse_centers(
    rows: Iterable[tuple[int, Mapping[str, str]]], catalog: ProductCatalog
) -> list[Center]:
    """Turn numbered CSV rows into centers, or raise with every problem by line and field."""
    problems: list[str] = []
    centers: list[Center] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        row_problems: list[str] = []
        center = _parse_row(row, catalog, row_problems)
        problems.extend(f"line {line}: {problem}" for problem in row_problems)
        if center is None:
            continue
        if center.id in seen:
            problems.append(f"line {line}: id: duplicate of line {seen[center.id]}")
            continue
        seen[center.id] = line
        centers.append(center)
    if problems:
        raise InvalidCenterFile(problems)
    if not centers:
        raise InvalidCenterFile(["the file holds no centers"])
    return centers


def _parse_row(
    row: Mapping[str, str], catalog: ProductCatalog, problems: list[str]
) -> Center | None:
    value = {name: (row.get(name) or "").strip() for name in CENTER_FIELDS}
    for name in REQUIRED_FIELDS:
        if not value[name]:
            problems.append(f"{name}: required")
    for name in TEXT_FIELDS:
        if unsafe_text(value[name]):
            problems.append(f"{name}: {NOT_ALLOWED} (a line break or a control character)")
    if value["id"] and not _ID.match(value["id"]):
        problems.append("id: use lowercase letters, digits and single hyphens")
    if value["state"] and value["state"] not in US_STATES:
        problems.append("state: not a US state or territory code")
    if value["zip"] and not _ZIP.match(value["zip"]):
        problems.append("zip: must be five digits")
    if value["phone"] and not _PHONE.match(value["phone"]):
        problems.append("phone: write it as +1-NNN-NNN-NNNN")
    if value["website"] and not value["website"].startswith("https://"):
        problems.append("website: must start with https://")
    lat, lon = (
        _coordinate(value["lat"], "lat", problems),
        _coordinate(value["lon"], "lon", problems),
    )
    if lat is not None and lon is not None and not inside_us(lat, lon):
        problems.append("lat/lon: the point is outside the US")
    if value["timezone"]:
        _check_zone(value["timezone"], problems)
    products = _members(value["products"], catalog.ids, "products", problems)
    indications = _members(
        value["indications"], tuple(catalog.indications), "indications", problems
    )
    populations = _members(value["populations"], POPULATIONS, "populations", problems)
    verified_on = _date(value["verified_on"], problems)
    if problems or lat is None or lon is None:
        return None
    return Center(
        id=value["id"],
        name=value["name"],
        address=Address(value["street"], value["city"], value["state"], value["zip"]),
        lat=lat,
        lon=lon,
        phone=value["phone"],
        website=value["website"],
        timezone=value["timezone"],
        products=products,
        indications=indications,
        populations=populations,
        source=value["source"],
        verified_on=verified_on,
    )


def _coordinate(text: str, name: str, problems: list[str]) -> float | None:
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        problems.append(f"{name}: not a number")
        return None
    limit = 90.0 if name == "lat" else 180.0
    if not -limit <= number <= limit:
        problems.append(f"{name}: out of range")
        return None
    return number


def _check_zone(name: str, problems: list[str]) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append("timezone: not an IANA time zone")


def _members(text: str, allowed: Iterable[str], name: str, problems: list[str]) -> tuple[str, ...]:
    items = tuple(item.strip() for item in text.split(_LIST_SEPARATOR) if item.strip())
    allowed = tuple(allowed)
    unknown = [item for item in items if item not in allowed]
    if unknown:
        problems.append(f"{name}: unknown {', '.join(unknown)} (known: {', '.join(allowed)})")
    if len(set(items)) != len(items):
        problems.append(f"{name}: listed twice")
    return items


def _date(text: str, problems: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append("verified_on: not a date (YYYY-MM-DD)")
        return None
