"""Coverage and the site planner: time for every ZIP area and every center, and for a k = 10
plan over the default candidates, next to a naive per-pair loop in the same run.

The naive loop measures each (ZIP, center) pair one at a time with the search's own functions
(geodesic, land masses, road model: `reach_between`); it is timed on a sample and scaled to the
whole (it would take minutes), and its answers are checked equal to the fast ones on the sample.

Run: .venv/bin/python bench/coverage.py [--sample 300] [--k 10]
"""

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from finder.centers.catalog import Catalog
from finder.centers.files import read_centers_csv, read_products, read_rules
from finder.config import PROJECT_ROOT
from finder.coverage.population import population
from finder.coverage.reach import nearest_sites, sites
from finder.coverage.service import (
    DEFAULT_CANDIDATE_PEOPLE,
    CoverageCache,
    coverage,
    default_candidates,
    plan_sites,
)
from finder.domain.centers import Center
from finder.domain.drive_model import RoadModel
from finder.domain.ranking import CenterIndex, reach_between

DATA = PROJECT_ROOT / "data"
MPH_30 = 30 * 1.609344  # km/h


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=300, help="ZIPs in the naive loop")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    products = read_products(DATA)
    centers = read_centers_csv(DATA / "centers.csv", products)
    catalog = Catalog(products, read_rules(DATA), CenterIndex(centers, products))
    rule = catalog.rules.get(None)

    started = time.perf_counter()
    people = population(DATA)
    load = time.perf_counter() - started
    cache = CoverageCache(people)
    print(f"{len(people):,} ZIP areas with a population, {len(centers)} centers; "
          f"population read once in {load:.2f} s")  # fmt: skip

    print("\nNational coverage (rule us-2025):")
    for product in (None, "CD19", "BCMA"):
        started = time.perf_counter()
        result = coverage(catalog, cache, product=product)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        coverage(catalog, cache, product=product)
        warm = time.perf_counter() - started
        shares = ", ".join(f"≤{b} min {result.within(b) / result.total:.1%}" for b in result.bands)
        print(f"  {product or 'all products':12} computed {cold:.3f} s, cached {warm * 1000:.1f} ms"
              f"  ({shares}; beyond {rule.stay_radius_minutes} min "
              f"{1 - result.within(rule.stay_radius_minutes) / result.total:.1%})")  # fmt: skip

    flat = RoadModel(circuity=1.0, access_minutes=0.0, urban_kmh=MPH_30, highway_kmh=MPH_30)
    where = sites([c.lat for c in centers], [c.lon for c in centers], people)
    flat_minutes = nearest_sites(people, where, flat).minutes
    for minutes in (60, 120):
        inside = people.people[flat_minutes <= minutes].sum() / people.total
        print(f"  with a flat 30 mph over straight-line distance instead: within {minutes} min "
              f"{inside:.1%}")  # fmt: skip

    every = coverage(catalog, cache)
    rows = random.Random(1).sample(range(len(people)), args.sample)
    started = time.perf_counter()
    for row in rows:
        best = naive_nearest(float(people.lat[row]), float(people.lon[row]), centers, rule)
        fast = every.minutes[row]
        if not (
            (best is None and np.isinf(fast)) or (best is not None and abs(best - fast) < 1e-6)
        ):
            raise SystemExit(f"ZIP row {row}: the naive loop says {best}, the fast one {fast}")
    naive = (time.perf_counter() - started) / args.sample * len(people)
    print(f"  naive per-pair loop (reach_between for each ZIP and center): {naive:.0f} s for "
          f"every ZIP (timed on {args.sample}, same answers)")  # fmt: skip

    print(f"\nPlan k = {args.k} over the default candidates "
          f"(ZIP areas of {DEFAULT_CANDIDATE_PEOPLE:,} people or more):")  # fmt: skip
    started = time.perf_counter()
    plan = plan_sites(catalog, cache, args.k)
    elapsed = time.perf_counter() - started
    total = plan.population_total
    print(f"  {plan.candidates:,} candidates, {plan.method}: {elapsed:.1f} s; within "
          f"{rule.stay_radius_minutes} min {plan.before / total:.1%} -> {plan.after / total:.1%} "
          f"(the best possible is at most {plan.optimum_at_most / total:.1%})")  # fmt: skip
    for site in plan.sites:
        print(f"    {site.candidate.label:32} {site.state}  +{site.gain:,}")
    uncovered = np.flatnonzero(every.minutes > rule.stay_radius_minutes)
    candidates = default_candidates(people)
    sampled = random.Random(2).sample(candidates, 2)
    started = time.perf_counter()
    for c in sampled:
        site = (float(people.lat[c]), float(people.lon[c]))
        probe = CenterProbe(site)
        for row in uncovered:
            reach_between((float(people.lat[row]), float(people.lon[row])), probe, rule)
    per_candidate = (time.perf_counter() - started) / len(sampled)
    naive_plan = per_candidate * len(candidates)
    print(f"  naive per-pair loop: {naive_plan:.0f} s just to measure every candidate against "
          f"the {len(uncovered):,} uncovered ZIPs once (timed on {len(sampled)} candidates), "
          f"before any choosing")  # fmt: skip


class CenterProbe:
    """What reach_between reads of a center: its point."""

    def __init__(self, point: tuple[float, float]) -> None:
        self.lat, self.lon = point


def naive_nearest(lat: float, lon: float, centers: list[Center], rule) -> float | None:
    best = None
    for center in centers:
        minutes = reach_between((lat, lon), center, rule).drive_minutes
        if minutes is not None and (best is None or minutes < best):
            best = minutes
    return best


if __name__ == "__main__":
    main()
