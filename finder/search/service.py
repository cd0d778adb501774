"""The center search: geocode where the patient lives, then rank the centers."""

from dataclasses import dataclass

from finder.centers.catalog import Catalog
from finder.domain.proximity_rules import ProximityRule
from finder.domain.ranking import RankedCenter, SearchFilters, check_limit
from finder.geocoding import Geocoder, Place


@dataclass(frozen=True)
class SearchResult:
    origin: Place
    rule: ProximityRule
    results: list[RankedCenter]


def search_centers(
    near: str,
    filters: SearchFilters,
    rule_id: str | None,
    *,
    geocoder: Geocoder,
    catalog: Catalog,
) -> SearchResult:
    """Ranked centers for a place typed by the patient."""
    rule = catalog.rules.get(rule_id)
    if filters.product:
        catalog.products.get(filters.product)
    if filters.indication:
        catalog.products.check_indication(filters.indication)
    check_limit(filters.limit)
    origin = geocoder.geocode(near)
    results = catalog.centers.rank(origin.lat, origin.lon, rule, filters)
    return SearchResult(origin=origin, rule=rule, results=results)
