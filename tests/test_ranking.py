"""Ranking: within the stay radius first, then by drive time; islands have no road."""

import random

import pytest

from finder.domain.errors import DomainError, UnknownReference
from finder.domain.ranking import CenterIndex, SearchFilters, check_limit, order_key, reach_between
from tests.domain_fixtures import PRODUCTS, RULES, center

BOSTON = (42.3601, -71.0589)
HONOLULU = (21.3069, -157.8583)
SAN_JUAN = (18.4655, -66.1057)
ANCHORAGE = (61.2181, -149.9003)
US_2025 = RULES.get("us-2025")

CENTERS = [
    center("boston-longwood", 42.3374, -71.1082),
    center("worcester", 42.2776, -71.7616),
    center("new-york", 40.7641, -73.9566, state="NY"),
    center("philadelphia-kids", 39.9489, -75.1939, products=("kymriah",),
           indications=("B-ALL",), populations=("pediatric",), state="PA"),
    center("houston", 29.7079, -95.3977, state="TX"),
    center("seattle", 47.6275, -122.3301, state="WA"),
    center("honolulu", 21.3077, -157.8527, products=("yescarta",), indications=("LBCL", "FL"),
           state="HI"),
    center("hilo", 19.7074, -155.0816, products=("yescarta",), indications=("LBCL", "FL"),
           state="HI"),
    center("san-juan", 18.3900, -66.0700, products=("abecma",), indications=("MM",), state="PR"),
]  # fmt: skip


@pytest.fixture(scope="module")
def index() -> CenterIndex:
    return CenterIndex(CENTERS, PRODUCTS)


def ids(results) -> list[str]:
    return [r.center.id for r in results]


def test_nearest_reachable_center_comes_first(index):
    results = index.rank(*BOSTON, US_2025, SearchFilters())
    assert ids(results)[:3] == ["boston-longwood", "worcester", "new-york"]


def test_centers_within_the_radius_come_before_those_beyond(index):
    results = index.rank(*BOSTON, US_2025, SearchFilters())
    flags = [r.reach.within_proximity for r in results]
    assert flags == sorted(flags, reverse=True)
    assert results[0].reach.within_proximity
    assert not next(r for r in results if r.center.id == "houston").reach.within_proximity


def test_results_follow_the_documented_order(index):
    results = index.rank(*BOSTON, US_2025, SearchFilters(limit=50))
    assert results == sorted(results, key=order_key)


def test_ranking_equals_the_one_at_a_time_definition(index):
    fast = index.rank(*BOSTON, US_2025, SearchFilters(limit=50))
    slow = sorted(
        (type(fast[0])(c, reach_between(BOSTON, c, US_2025)) for c in CENTERS), key=order_key
    )
    assert ids(fast) == ids(slow)
    assert [r.reach for r in fast] == [r.reach for r in slow]


def test_no_road_joins_hawaii_to_the_mainland(index):
    results = index.rank(*BOSTON, US_2025, SearchFilters(limit=50))
    honolulu = next(r for r in results if r.center.id == "honolulu")
    assert honolulu.reach.drive_minutes is None
    assert not honolulu.reach.drivable
    assert not honolulu.reach.within_proximity
    assert ids(results)[-3:] == ["san-juan", "hilo", "honolulu"]


def test_an_oahu_patient_reaches_honolulu_but_not_another_island(index):
    results = index.rank(*HONOLULU, US_2025, SearchFilters(limit=50))
    assert results[0].center.id == "honolulu"
    assert results[0].reach.within_proximity
    hilo = next(r for r in results if r.center.id == "hilo")
    assert hilo.reach.drive_minutes is None
    assert hilo.reach.distance_km < 400


def test_a_puerto_rico_patient_is_never_within_driving_of_the_mainland(index):
    results = index.rank(*SAN_JUAN, US_2025, SearchFilters(limit=50))
    assert results[0].center.id == "san-juan"
    assert results[0].reach.within_proximity
    assert all(r.reach.drive_minutes is None for r in results[1:])


def test_an_alaska_patient_has_no_road_to_any_center(index):
    results = index.rank(*ANCHORAGE, US_2025, SearchFilters(limit=50))
    assert all(not r.reach.drivable for r in results)
    assert results[0].center.id == "seattle"  # then by distance


def test_product_filter_keeps_only_authorized_centers(index):
    results = index.rank(*BOSTON, US_2025, SearchFilters(product="abecma", limit=50))
    assert "honolulu" not in ids(results)
    assert "san-juan" in ids(results)
    assert "philadelphia-kids" not in ids(results)


def test_indication_filter_keeps_only_centers_treating_it(index):
    results = index.rank(*BOSTON, US_2025, SearchFilters(indication="MM", limit=50))
    assert "honolulu" not in ids(results)
    assert "philadelphia-kids" not in ids(results)
    assert "san-juan" in ids(results)


def test_pediatric_population_respects_product_age_limits(index):
    results = index.rank(*BOSTON, US_2025, SearchFilters(population="pediatric", limit=50))
    assert ids(results) == ["philadelphia-kids"]


def test_pediatric_myeloma_has_no_product(index):
    filters = SearchFilters(population="pediatric", indication="MM", limit=50)
    assert index.rank(*BOSTON, US_2025, filters) == []


def test_adult_b_all_includes_centers_with_adult_products(index):
    filters = SearchFilters(population="adult", indication="B-ALL", limit=50)
    assert "boston-longwood" in ids(index.rank(*BOSTON, US_2025, filters))


def test_max_minutes_drops_centers_beyond_it_and_those_without_road(index):
    results = index.rank(*BOSTON, US_2025, SearchFilters(max_minutes=90, limit=50))
    assert ids(results) == ["boston-longwood", "worcester"]
    assert all(r.reach.drive_minutes <= 90 for r in results)


def test_limit_caps_the_results(index):
    assert len(index.rank(*BOSTON, US_2025, SearchFilters(limit=2))) == 2


def test_limit_out_of_range_is_refused():
    with pytest.raises(DomainError):
        check_limit(0)
    with pytest.raises(DomainError):
        check_limit(10_000)


def test_unknown_indication_is_refused(index):
    with pytest.raises(UnknownReference):
        index.rank(*BOSTON, US_2025, SearchFilters(indication="XYZ"))


def test_unknown_center_id_is_refused(index):
    with pytest.raises(UnknownReference):
        index.get("nowhere")


def test_every_rule_set_ranks_with_its_own_radius(index):
    for rule in RULES.rules:
        results = index.rank(*BOSTON, rule, SearchFilters(limit=50))
        for r in results:
            expected = r.reach.drive_minutes is not None and (
                r.reach.drive_minutes <= rule.stay_radius_minutes
            )
            assert r.reach.within_proximity == expected


def test_large_random_catalog_matches_the_exact_definition():
    rng = random.Random(7)
    centers = [
        center(f"c{i}", rng.uniform(25.0, 49.0), rng.uniform(-124.0, -67.0)) for i in range(3000)
    ]
    index = CenterIndex(centers, PRODUCTS)
    for _ in range(5):
        origin = (rng.uniform(25.0, 49.0), rng.uniform(-124.0, -67.0))
        fast = index.rank(*origin, US_2025, SearchFilters(limit=25, max_minutes=300))
        exact = sorted(
            (type(fast[0])(c, reach_between(origin, c, US_2025)) for c in centers),
            key=order_key,
        )
        exact = [r for r in exact if r.reach.drive_minutes <= 300][:25]
        assert ids(fast) == ids(exact)


def test_empty_catalog_ranks_nothing():
    assert CenterIndex([], PRODUCTS).rank(*BOSTON, US_2025, SearchFilters()) == []
