"""Who says a center gives a product: each (center, product) claim with its status, its source
and the day it was checked. A center's own staff confirm; a page naming the product at the
center publishes; anything weaker only reports."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from finder.domain.contact import unsafe_text
from finder.domain.errors import InvalidCenterFile
from finder.domain.products import ProductCatalog

ClaimStatus = Literal["confirmed", "published", "reported"]
CLAIM_STATUSES: tuple[ClaimStatus, ...] = ("confirmed", "published", "reported")
CLAIM_FIELDS = ("center_id", "product", "status", "source", "checked_on")
# Claims checked longer ago than this say so.
STALE_AFTER = timedelta(days=365)
CONFIRMED_SOURCE = "confirmed by the center's staff in the app"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ProductClaim:
    """That a center gives a product, how sure it is, where it comes from, when checked."""

    product: str
    status: ClaimStatus
    source: str
    checked_on: date | None

    @property
    def strong(self) -> bool:
        """Confirmed by the center or published on a page naming the product there."""
        return self.status != "reported"

    def stale(self, today: date) -> bool:
        """Checked more than a year ago, or never."""
        return self.checked_on is None or today - self.checked_on > STALE_AFTER


@dataclass(frozen=True)
class ReferralContact:
    """Where a center takes referrals."""

    phone: str = ""
    fax: str = ""
    email: str = ""


def claims_of(
    products: Iterable[str],
    row_source: str,
    row_checked: date | None,
    listed: Iterable[ProductClaim] = (),
) -> tuple[ProductClaim, ...]:
    """A center's claims: each claim listed for it, then its products without a listed claim
    as `reported` on the row's own source."""
    by_product = {claim.product: claim for claim in listed}
    for product in products:
        if product not in by_product:
            by_product[product] = ProductClaim(product, "reported", row_source, row_checked)
    return tuple(by_product.values())


def parse_claims(
    rows: Iterable[tuple[int, Mapping[str, str]]],
    catalog: ProductCatalog,
    center_ids: Iterable[str],
) -> dict[str, list[ProductClaim]]:
    """The claims of a claims file by center, or InvalidCenterFile naming each bad line."""
    known = set(center_ids)
    problems: list[str] = []
    claims: dict[str, list[ProductClaim]] = {}
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        value = {name: (row.get(name) or "").strip() for name in CLAIM_FIELDS}
        found: list[str] = []
        if value["center_id"] not in known:
            found.append("center_id: no center of the centers file has this id")
        product = catalog.resolve(value["product"])
        if product is None:
            found.append(f"product: unknown (known: {', '.join(catalog.ids)})")
        if value["status"] not in CLAIM_STATUSES:
            found.append(f"status: one of {', '.join(CLAIM_STATUSES)}")
        if not value["source"].startswith(("https://", "http://")):
            found.append("source: a web address a reader can open (http:// or https://)")
        elif unsafe_text(value["source"]):
            found.append("source: a line break or a control character")
        checked = _day(value["checked_on"], found)
        key = (value["center_id"], product or "")
        if not found and key in seen:
            found.append(f"claim: duplicate of line {seen[key]}")
        problems.extend(f"claims line {line}: {problem}" for problem in found)
        if found or product is None:
            continue
        seen[key] = line
        status: ClaimStatus = value["status"]  # type: ignore[assignment]
        claims.setdefault(value["center_id"], []).append(
            ProductClaim(product, status, value["source"], checked)
        )
    if problems:
        raise InvalidCenterFile(problems)
    return claims


def _day(text: str, problems: list[str]) -> date | None:
    if not text:
        problems.append("checked_on: required (YYYY-MM-DD)")
        return None
    try:
        if not _DATE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        problems.append("checked_on: not a date (YYYY-MM-DD)")
        return None
