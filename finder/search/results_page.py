"""The patient's results page: the search, each center's stay plan, and the map."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path

from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from finder.centers.catalog import Catalog
from finder.domain.drive_model import DEFAULT_ROAD_MODEL
from finder.domain.proximity_rules import ProximityRule
from finder.domain.ranking import MAX_LIMIT, RankedCenter, SearchFilters
from finder.domain.road_network import land_mass, land_mass_bounds
from finder.domain.stay_plan import StayPlan, example_infusion_dates, stay_plan
from finder.domain.stay_zone import stay_zone
from finder.geocoding import Geocoder
from finder.search.maps import (
    BEYOND,
    NO_ROAD,
    WITHIN,
    CenterMarker,
    MapAssets,
    MapParts,
    results_map,
)
from finder.search.service import SearchResult, search_centers

Describe = Callable[[RankedCenter, StayPlan], Sequence[str]]


# At most this many centers that may give the product without saying so are shown.
MAYBE_LIMIT = 10


@dataclass(frozen=True)
class CenterRow:
    ranked: RankedCenter
    plan: StayPlan
    reach: str  # WITHIN | BEYOND | NO_ROAD
    number: int = 0  # as on the map's marker
    confirmed: bool = True  # False: the center has not said which products it gives


@dataclass(frozen=True)
class Answer:
    """The facts the page's first sentences are made of."""

    within: int  # confirmed centers within the rule's radius
    nearest: CenterRow | None  # the first confirmed center, best reachable first
    maybe_within: int  # unconfirmed centers within the radius
    nearest_maybe: CenterRow | None
    product_unlisted: bool  # a product was chosen and no center at all lists it


@dataclass(frozen=True)
class ResultsPage:
    search: SearchResult
    rows: list[CenterRow]
    maybe_rows: list[CenterRow]
    answer: Answer
    map: MapParts


@cache
def land(path: Path) -> BaseGeometry | None:
    """The US land outline, read once per process; None when the file is missing."""
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    features = data["features"] if data.get("type") == "FeatureCollection" else [data]
    geometry = shape(features[0]["geometry"])
    return geometry.buffer(0) if not geometry.is_valid else geometry


def results_page(
    near: str,
    filters: SearchFilters,
    rule_id: str | None,
    *,
    geocoder: Geocoder,
    catalog: Catalog,
    today: date,
    describe: Describe,
    assets: MapAssets,
    land_path: Path,
    tile_url: str | None,
    zone_label: Callable[[ProximityRule], str],
) -> ResultsPage:
    """Search, then a plan for an example infusion at each center, then the map."""
    result = _search(near, filters, rule_id, geocoder=geocoder, catalog=catalog)
    days = catalog.products.get(filters.product).infusion_days if filters.product else (1,)
    infusions = example_infusion_dates(today, days)

    def row(ranked: RankedCenter, number: int, confirmed: bool) -> CenterRow:
        plan = stay_plan(infusions, result.rule, within_proximity=ranked.reach.within_proximity)
        return CenterRow(ranked, plan, _reach_class(ranked), number, confirmed)

    rows = [row(ranked, i, True) for i, ranked in enumerate(result.results, start=1)]
    maybe = _unconfirmed(result, filters, catalog)
    maybe_rows = [row(ranked, len(rows) + i, False) for i, ranked in enumerate(maybe, start=1)]
    origin = (result.origin.lat, result.origin.lon)
    radius_km = DEFAULT_ROAD_MODEL.distance_for_minutes(result.rule.stay_radius_minutes)
    island = land_mass_bounds(land_mass(*origin))
    zone = stay_zone(
        *origin, radius_km, land=land(land_path), reachable=box(*island) if island else None
    )
    parts = results_map(
        origin,
        result.origin.label,
        [
            CenterMarker(r.ranked, r.reach, describe(r.ranked, r.plan), r.number, r.confirmed)
            for r in rows + maybe_rows
        ],
        zone,
        assets=assets,
        tile_url=tile_url,
        zone_label=zone_label(result.rule),
    )
    answer = Answer(
        within=sum(r.ranked.reach.within_proximity for r in rows),
        nearest=rows[0] if rows else None,
        maybe_within=sum(r.ranked.reach.within_proximity for r in maybe_rows),
        nearest_maybe=maybe_rows[0] if maybe_rows else None,
        product_unlisted=bool(filters.product)
        and not any(filters.product in c.products for c in catalog.centers.centers),
    )
    return ResultsPage(search=result, rows=rows, maybe_rows=maybe_rows, answer=answer, map=parts)


def _search(
    near: str, filters: SearchFilters, rule_id: str | None, *, geocoder: Geocoder, catalog: Catalog
) -> SearchResult:
    """The search; with no product or disease chosen, the age filter keeps the centers whose
    products are not listed (the domain's filter, which reads the products' labels, would
    drop them) and leaves out only the programs for the other age group."""
    if filters.product or filters.indication or filters.population is None:
        return search_centers(near, filters, rule_id, geocoder=geocoder, catalog=catalog)
    wider = replace(filters, population=None, limit=min(MAX_LIMIT, filters.limit * 3))
    result = search_centers(near, wider, rule_id, geocoder=geocoder, catalog=catalog)
    kept = [r for r in result.results if _serves(r, filters.population)]
    return replace(result, results=kept[: filters.limit])


def _serves(ranked: RankedCenter, population: str | None) -> bool:
    populations = ranked.center.populations
    return population is None or not populations or population in populations


def _unconfirmed(
    result: SearchResult, filters: SearchFilters, catalog: Catalog
) -> list[RankedCenter]:
    """Centers the product or disease filter left out only because they have not said what
    they give: they may give it, so the patient is told to call and ask."""
    if not (filters.product or filters.indication):
        return []
    shown = {r.center.id for r in result.results}
    wider = replace(filters, product=None, indication=None, population=None, limit=MAX_LIMIT)
    ranked = [
        r
        for r in catalog.centers.rank(result.origin.lat, result.origin.lon, result.rule, wider)
        if _serves(r, filters.population)
    ]
    eligible = set(
        catalog.products.eligible(filters.product, filters.indication, filters.population)
    )
    unknown = [
        r
        for r in ranked
        if r.center.id not in shown
        and (
            not r.center.products
            or (not r.center.indications and eligible.intersection(r.center.products))
        )
    ]
    return unknown[:MAYBE_LIMIT]


def _reach_class(ranked: RankedCenter) -> str:
    if ranked.reach.within_proximity:
        return WITHIN
    return BEYOND if ranked.reach.drivable else NO_ROAD
