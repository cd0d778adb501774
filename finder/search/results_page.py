"""The patient's results page: the search, each center's stay plan, and the map."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from finder.centers.catalog import Catalog
from finder.domain.drive_model import DEFAULT_ROAD_MODEL
from finder.domain.proximity_rules import ProximityRule
from finder.domain.ranking import RankedCenter, SearchFilters
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


@dataclass(frozen=True)
class CenterRow:
    ranked: RankedCenter
    plan: StayPlan
    reach: str  # WITHIN | BEYOND | NO_ROAD


@dataclass(frozen=True)
class ResultsPage:
    search: SearchResult
    rows: list[CenterRow]
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
    result = search_centers(near, filters, rule_id, geocoder=geocoder, catalog=catalog)
    days = catalog.products.get(filters.product).infusion_days if filters.product else (1,)
    infusions = example_infusion_dates(today, days)
    rows = [
        CenterRow(
            ranked=ranked,
            plan=stay_plan(infusions, result.rule, within_proximity=ranked.reach.within_proximity),
            reach=_reach_class(ranked),
        )
        for ranked in result.results
    ]
    origin = (result.origin.lat, result.origin.lon)
    radius_km = DEFAULT_ROAD_MODEL.distance_for_minutes(result.rule.stay_radius_minutes)
    island = land_mass_bounds(land_mass(*origin))
    zone = stay_zone(
        *origin, radius_km, land=land(land_path), reachable=box(*island) if island else None
    )
    parts = results_map(
        origin,
        result.origin.label,
        [CenterMarker(row.ranked, row.reach, describe(row.ranked, row.plan)) for row in rows],
        zone,
        assets=assets,
        tile_url=tile_url,
        zone_label=zone_label(result.rule),
    )
    return ResultsPage(search=result, rows=rows, map=parts)


def _reach_class(ranked: RankedCenter) -> str:
    if ranked.reach.within_proximity:
        return WITHIN
    return BEYOND if ranked.reach.drivable else NO_ROAD
