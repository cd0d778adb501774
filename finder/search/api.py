"""The search calls of the JSON API: geocoding, center search and the rule sets."""

import json
from datetime import UTC, date, datetime
from typing import Any

from flask import Response, jsonify, request

from finder.domain.centers import Center
from finder.domain.claims import ProductClaim
from finder.domain.products import POPULATIONS
from finder.domain.ranking import DEFAULT_LIMIT, MAX_LIMIT, RankedCenter, SearchFilters
from finder.extensions import catalog_cache, current_catalog, current_geocoder
from finder.search.schemas import SEARCH_SCHEMAS
from finder.search.service import SearchResult, search_centers
from finder.web.access import PUBLIC
from finder.web.api import operations
from finder.web.openapi import SCHEMAS
from finder.web.params import Param, parse_query
from finder.web.shapes import (
    center_json,
    claim_json,
    place_json,
    ranked_json,
    rule_json,
)

SCHEMAS.update(SEARCH_SCHEMAS)


def _product_ids() -> list[str]:
    return list(catalog_cache().products.ids)


def _product_id(name: str) -> str | None:
    return catalog_cache().products.resolve(name)


def _product_names() -> list[str]:
    products = catalog_cache().products.products
    return [name for product in products for name in product.spellings if name != product.id]


def _indication_codes() -> list[str]:
    return list(catalog_cache().products.indications)


def _rule_ids() -> list[str]:
    return list(catalog_cache().rules.ids)


PLACE = Param(
    "q", required=True, description="An address, `City, ST`, a ZIP or ZIP+4.", example="02115"
)
SEARCH = (
    Param(
        "near",
        required=True,
        description="Where the patient lives: address, city or ZIP.",
        example="Boston, MA",
    ),
    Param(
        "product",
        choices=_product_ids,
        normalize=_product_id,
        aliases=_product_names,
        description="Only centers authorized for it: the product's id, brand, generic or short"
        " name in any case (breyanzi, Breyanzi, lisocabtagene maraleucel, liso-cel).",
        example="breyanzi",
    ),
    Param("indication", choices=_indication_codes, description="Only centers treating it."),
    Param("population", choices=lambda: POPULATIONS, description="adult or pediatric."),
    Param("max_minutes", kind="number", minimum=1, maximum=1440, description="Max drive time."),
    Param("limit", kind="integer", minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT),
    Param("rule", choices=_rule_ids, description="Proximity rule set; default us-2025."),
)


def search_filters(values: dict[str, Any]) -> SearchFilters:
    """The filters of a parsed search request (the API's or the page's)."""
    return SearchFilters(
        product=values["product"],
        indication=values["indication"],
        population=values["population"],
        max_minutes=values["max_minutes"],
        limit=values["limit"],
    )


def search_json(result: SearchResult, query: str | None = None) -> dict[str, Any]:
    """The body of GET /centers, also printed by `finder search --json`."""
    return {
        "origin": place_json(result.origin, query),
        "rule": rule_json(result.rule),
        "results": [ranked_json(ranked) for ranked in result.results],
    }


def search_body(result: SearchResult, query: str | None = None) -> str:
    """search_json's body as JSON text; each center's and each claim's unchanging part is
    encoded once, not on every search (tests/test_search_body.py: the same as search_json)."""
    head = _dumps({"origin": place_json(result.origin, query), "rule": rule_json(result.rule)})
    today = datetime.now(UTC).date()  # a claim's age is said as of today
    results = ",".join(
        f"{_center_text(ranked.center, today)},{_reach_text(ranked, today)}}}"
        for ranked in result.results
    )
    return f'{head[:-1]},"results":[{results}]}}'


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# Encoded texts by the identity of the immutable object they encode (a catalog reload makes new
# objects; hashing a whole center on every lookup would cost more than encoding it).
_CENTER_TEXTS: dict[int, tuple[Center, date, str]] = {}
_CLAIM_TEXTS: dict[int, tuple[ProductClaim, date, str]] = {}
_MAX_TEXTS = 8192


def _center_text(center: Center, today: date) -> str:
    """The center's JSON object without its closing brace."""
    known = _CENTER_TEXTS.get(id(center))
    if known is not None and known[0] is center and known[1] == today:
        return known[2]
    text = _dumps(center_json(center, today))[:-1]
    if len(_CENTER_TEXTS) >= _MAX_TEXTS:
        _CENTER_TEXTS.clear()
    _CENTER_TEXTS[id(center)] = (center, today, text)
    return text


def _claim_text(claim: ProductClaim | None, today: date) -> str:
    if claim is None:
        return "null"
    known = _CLAIM_TEXTS.get(id(claim))
    if known is not None and known[0] is claim and known[1] == today:
        return known[2]
    text = _dumps(claim_json(claim, today))
    if len(_CLAIM_TEXTS) >= _MAX_TEXTS:
        _CLAIM_TEXTS.clear()
    _CLAIM_TEXTS[id(claim)] = (claim, today, text)
    return text


def _number(value: float) -> str:
    return float.__repr__(value)  # as json writes a finite float


def _reach_text(ranked: RankedCenter, today: date) -> str:
    """reach_json's members as JSON text (no braces), written out without a dict."""
    reach, claim = ranked.reach, ranked.claim
    minutes = "null" if reach.drive_minutes is None else str(round(reach.drive_minutes))
    reported = "true" if claim is not None and not claim.strong else "false"
    return (
        f'"distance_km":{_number(round(reach.distance_km, 1))},'
        f'"distance_mi":{_number(round(reach.distance_mi, 1))},'
        f'"drive_minutes":{minutes},'
        f'"drivable":{"true" if reach.drivable else "false"},'
        f'"within_proximity":{"true" if reach.within_proximity else "false"},'
        f'"borderline":{"true" if reach.borderline else "false"},'
        f'"claim":{_claim_text(claim, today)},'
        f'"rests_on_reported":{reported}'
    )


@operations.get(
    "/geocode",
    summary="Locate an address, city or ZIP (offline by default).",
    access=PUBLIC,
    query=(PLACE,),
    responses={200: "Place", 400: "Error", 422: "Error", 503: "Error"},
)
def geocode() -> Response:
    values = parse_query((PLACE,), request.args)
    place = current_geocoder().geocode(values["q"])
    return jsonify(place_json(place, values["q"]))


@operations.get(
    "/centers",
    summary="Authorized centers ranked by reach under a proximity rule.",
    access=PUBLIC,
    query=SEARCH,
    responses={200: "CenterSearch", 400: "Error", 422: "Error", 503: "Error"},
)
def centers() -> Response:
    values = parse_query(SEARCH, request.args)
    result = search_centers(
        values["near"],
        search_filters(values),
        values["rule"],
        geocoder=current_geocoder(),
        catalog=current_catalog(),
    )
    return Response(search_body(result, values["near"]), mimetype="application/json")


@operations.get(
    "/rules", summary="The proximity rule sets.", access=PUBLIC, responses={200: "RuleList"}
)
def rules() -> Response:
    parse_query((), request.args)
    return jsonify([rule_json(rule) for rule in current_catalog().rules.rules])
