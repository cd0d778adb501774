"""Coverage and the site planner, without Flask or a database: the shipped centers, the
vendored population, and small synthetic instances checked against brute force."""

import math
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from finder.centers.catalog import Catalog
from finder.centers.files import read_centers_csv, read_products, read_rules
from finder.config import PROJECT_ROOT
from finder.coverage.geodesy import geodesic_km
from finder.coverage.planner import GUARANTEE, choose_sites
from finder.coverage.population import population
from finder.coverage.service import (
    Candidate,
    CoverageCache,
    CoverageError,
    coverage,
    coverage_json,
    plan_sites,
)
from finder.domain.ranking import CenterIndex, SearchFilters
from finder.domain.ranking import geodesic_km as search_geodesic_km

DATA = PROJECT_ROOT / "data"
PRODUCT_CHOICES = [None, "CD19", "BCMA", "kymriah", "yescarta", "tecartus", "breyanzi", "abecma",
                   "carvykti", "aucatzyl"]  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    products = read_products(DATA)
    centers = read_centers_csv(DATA / "centers.csv", products)
    return Catalog(products, read_rules(DATA), CenterIndex(centers, products))


@pytest.fixture(scope="module")
def cache() -> CoverageCache:
    return CoverageCache(population(DATA))


def with_sites(
    catalog: Catalog, sites: list[Candidate], products: tuple[str, ...], *, alone: bool = False
) -> Catalog:
    """The catalog with a center opened at each site, giving these products (alone: the only
    centers)."""
    model = catalog.centers.centers[0]
    kept = () if alone else catalog.centers.centers
    added = [
        replace(model, id=f"new-{i}", name=s.label, lat=s.lat, lon=s.lon, products=products)
        for i, s in enumerate(sites)
    ]
    index = CenterIndex([*kept, *added], catalog.products)
    return Catalog(catalog.products, catalog.rules, index)


def test_the_population_file_is_read_with_the_island_areas_missing(cache):
    people = cache.people
    assert people.total == 334_726_586
    assert people.missing_states == ["AS", "GU", "MP", "VI"]
    assert len(people.missing) == 17
    assert population(DATA) is population(Path(str(DATA)))  # read once per process


def test_the_vectorised_geodesic_is_the_search_geodesic():
    rng = np.random.default_rng(7)
    a = rng.uniform([17.5, -170.0], [71.0, -64.0], size=(500, 2))
    b = rng.uniform([17.5, -170.0], [71.0, -64.0], size=(500, 2))
    ours = geodesic_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    theirs = [search_geodesic_km(tuple(x), tuple(y)) for x, y in zip(a, b, strict=True)]
    assert np.allclose(ours, theirs, rtol=0, atol=1e-6)


@pytest.mark.parametrize("product", [None, "abecma", "kymriah"])
def test_each_zips_nearest_center_is_the_searchs_first(catalog, cache, product):
    rule = catalog.rules.get(None)
    result = coverage(catalog, cache, product=product)
    rng = np.random.default_rng(3)
    rows = rng.choice(len(cache.people), size=150, replace=False)
    alaska = np.flatnonzero(cache.people.state == "AK")[:10]
    for row in [*rows.tolist(), *alaska.tolist()]:
        lat, lon = float(cache.people.lat[row]), float(cache.people.lon[row])
        first = catalog.centers.rank(lat, lon, rule, SearchFilters(product=product, limit=1))[0]
        if first.reach.drive_minutes is None:
            assert result.center[row] == -1 and math.isinf(result.minutes[row])
        else:
            assert catalog.centers.centers[result.center[row]].id == first.center.id
            assert result.minutes[row] == pytest.approx(first.reach.drive_minutes, abs=1e-6)


@pytest.mark.parametrize("product", PRODUCT_CHOICES)
@pytest.mark.parametrize("state", [None, "TX", "HI", "PR", "AK"])
def test_bands_grow_with_the_minutes(catalog, cache, product, state):
    body = coverage_json(coverage(catalog, cache, product=product, state=state))
    people = [band["population"] for band in body["bands"]]
    assert [band["max_minutes"] for band in body["bands"]] == [60, 120, 240]
    assert people == sorted(people) and people[-1] <= body["population_total"]
    for row in body["by_state"]:
        shares = [band["share"] for band in row["bands"]]
        assert shares == sorted(shares)


@pytest.mark.parametrize("product", PRODUCT_CHOICES[1:])
def test_a_products_coverage_never_exceeds_all_products(catalog, cache, product):
    every = coverage(catalog, cache)
    one = coverage(catalog, cache, product=product)
    assert np.all(one.minutes >= every.minutes)
    for minutes in (60, 120, 240):
        assert one.within(minutes) <= every.within(minutes)
    one_by_state = {r["state"]: r["within"] for r in one.by_state()}
    for row in every.by_state():
        assert one_by_state[row["state"]] <= row["within"]


def test_a_class_covers_at_least_each_of_its_products(catalog, cache):
    for target in ("CD19", "BCMA"):
        whole = coverage(catalog, cache, product=target).within(120)
        for product in catalog.products.products:
            if product.target == target:
                assert coverage(catalog, cache, product=product.id).within(120) <= whole


def test_islands_have_no_road_to_the_mainland(catalog, cache):
    people = cache.people
    # Centers only in Miami and Seattle: nobody in Puerto Rico, Hawaii or Alaska is covered.
    mainland = [Candidate("Miami", 25.79, -80.21), Candidate("Seattle", 47.61, -122.33)]
    opened = with_sites(catalog, mainland, ("yescarta",), alone=True)
    result = coverage(opened, cache)
    for state in ("PR", "HI", "AK"):
        rows = people.state == state
        assert np.all(np.isinf(result.minutes[rows])), state
        assert np.all(result.center[rows] == -1)
    # A center on Oahu covers Oahu and no other island.
    oahu = with_sites(catalog, [Candidate("Honolulu", 21.30, -157.85)], (), alone=True)
    minutes = coverage(oahu, cache, state="HI").minutes
    hawaii = people.subset(np.flatnonzero(people.state == "HI"))
    on_oahu = hawaii.mass == people.masses.index("hawaii-oahu")
    assert np.all(np.isfinite(minutes[on_oahu])) and np.all(np.isinf(minutes[~on_oahu]))
    # A site in San Juan gains people in Puerto Rico only; one in Key West none there.
    plan = plan_sites(
        opened, cache, 2,
        candidates=[Candidate("San Juan", 18.43, -66.06), Candidate("Key West", 24.56, -81.78)],
    )  # fmt: skip
    gains = {site.candidate.label: (site.state, site.gain) for site in plan.sites}
    pr = people.people[people.state == "PR"].sum()
    assert gains["San Juan"][0] == "PR" and 0 < gains["San Juan"][1] <= pr


def test_adding_the_chosen_sites_to_the_centers_gives_the_after_figure(catalog, cache):
    plan = plan_sites(catalog, cache, 3)
    assert plan.method == "greedy" and len(plan.sites) == 3
    assert [s.gain for s in plan.sites] == sorted((s.gain for s in plan.sites), reverse=True)
    opened = with_sites(catalog, [s.candidate for s in plan.sites], ())
    after = coverage(opened, cache)
    assert after.within(120) == plan.after
    assert plan.before == coverage(catalog, cache).within(120)
    assert plan.after <= plan.optimum_at_most


def test_the_after_figure_holds_for_a_product_class(catalog, cache):
    sites = [Candidate("Little Rock", 34.75, -92.29), Candidate("Boise", 43.62, -116.21),
             Candidate("Fargo", 46.88, -96.79), Candidate("Las Vegas", 36.17, -115.14)]  # fmt: skip
    plan = plan_sites(catalog, cache, 2, product="BCMA", candidates=sites)
    opened = with_sites(catalog, [s.candidate for s in plan.sites], ("abecma",))
    assert coverage(opened, cache, product="BCMA").within(120) == plan.after


def test_what_if_a_center_opened_here(catalog, cache):
    plan = plan_sites(catalog, cache, 1, candidates=[Candidate("Boise", 43.62, -116.21)])
    (site,) = plan.sites
    assert site.state == "ID" and site.gain > 0
    opened = with_sites(catalog, [site.candidate], ())
    assert coverage(opened, cache).within(120) - plan.before == site.gain
    # Opening where everybody is already covered changes nothing.
    boston = plan_sites(catalog, cache, 1, candidates=[Candidate("Boston", 42.34, -71.10)])
    assert boston.sites[0].gain == 0 and boston.after == boston.before


def test_the_planner_matches_brute_force_on_real_places(catalog, cache):
    places = [
        Candidate("Little Rock", 34.75, -92.29), Candidate("Boise", 43.62, -116.21),
        Candidate("Fargo", 46.88, -96.79), Candidate("Las Vegas", 36.17, -115.14),
        Candidate("Billings", 45.78, -108.50), Candidate("El Paso", 31.76, -106.49),
    ]  # fmt: skip
    plan = plan_sites(catalog, cache, 2, candidates=places)
    assert plan.method == "exact"
    best = max(
        coverage(with_sites(catalog, list(pair), ()), cache).within(120)
        for pair in combinations(places, 2)
    )
    assert plan.after == best


def brute_force(cover: list[set[int]], people: np.ndarray, k: int) -> int:
    return max(
        sum(int(people[r]) for r in set().union(*(cover[c] for c in subset)))
        for subset in combinations(range(len(cover)), k)
    )


@pytest.mark.parametrize("seed", range(40))
def test_the_planner_against_brute_force_on_small_synthetic_instances(seed):
    rng = np.random.default_rng(seed)
    zips, candidates = int(rng.integers(5, 30)), int(rng.integers(2, 9))
    people = rng.integers(0, 1000, size=zips)
    cover = [set(rng.choice(zips, size=int(rng.integers(0, zips)), replace=False).tolist())
             for _ in range(candidates)]  # fmt: skip
    sites = np.array([c for c, rows in enumerate(cover) for _ in rows], dtype=np.int64)
    rows = np.array([r for rows in cover for r in rows], dtype=np.int64)
    for k in range(1, candidates + 1):
        optimum = brute_force(cover, people, k)
        exact = choose_sites(sites, rows, people, candidates, k)
        assert exact.method == "exact" and sum(exact.gains) == optimum
        assert sum(int(people[r]) for r in set().union(*(cover[c] for c in exact.sites))) == optimum
        greedy = choose_sites(sites, rows, people, candidates, k, exact_limit=0)
        assert greedy.method == "greedy" and len(set(greedy.sites)) == k
        covered = sum(int(people[r]) for r in set().union(*(cover[c] for c in greedy.sites)))
        assert covered == sum(greedy.gains)
        assert GUARANTEE * optimum <= covered <= optimum <= greedy.optimum_at_most


def test_bad_choices_are_refused(catalog, cache):
    with pytest.raises(CoverageError):
        coverage(catalog, cache, product="CD22")
    with pytest.raises(CoverageError):
        coverage(catalog, cache, state="ZZ")
    for k in (0, 51):
        with pytest.raises(CoverageError):
            plan_sites(catalog, cache, k)
