"""Coverage and site planning for a rule set, a product or product class, and a state.

Nothing is written, so there are no use cases with a unit of work: these are reads over the
catalog a process serves from. Each ZIP's nearest center is computed once per centers revision
(the catalog's index is rebuilt only then) and product choice, and kept.
"""

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from finder.centers.catalog import Catalog
from finder.coverage.geodesy import spherical_km
from finder.coverage.planner import GUARANTEE, choose_sites
from finder.coverage.population import SOURCE, Population
from finder.coverage.reach import Nearest, Progress, nearest_sites, pairs_within, sites
from finder.domain.errors import DomainError
from finder.domain.products import ProductCatalog
from finder.domain.proximity_rules import ProximityRule
from finder.domain.ranking import CenterIndex
from finder.geocoding.gazetteer import load_gazetteer

HOUR, FOUR_HOURS = 60, 240
DEFAULT_CANDIDATE_PEOPLE = 10_000  # default candidates: ZIP areas of at least this many people
MAX_K = 50
MAX_CANDIDATES = 2000


class CoverageError(DomainError):
    code = "bad_request"


@dataclass(frozen=True)
class Coverage:
    rule: ProximityRule
    product: str | None
    state: str | None
    bands: tuple[int, ...]
    people: Population  # the ZIPs counted (one state's, or all)
    minutes: np.ndarray  # per ZIP of `people`: minutes to the nearest center, inf: no road
    center: np.ndarray  # per ZIP: the nearest center's index row, -1: none

    @property
    def total(self) -> int:
        return self.people.total

    def within(self, minutes: float) -> int:
        return int(self.people.people[self.minutes <= minutes].sum())

    def by_state(self) -> list[dict[str, Any]]:
        states = self.people.state
        rows = []
        for state in sorted(set(states.tolist())):
            mask = states == state
            total = int(self.people.people[mask].sum())
            inside = {
                b: int(self.people.people[mask & (self.minutes <= b)].sum()) for b in self.bands
            }
            rows.append(
                {
                    "state": state,
                    "population": total,
                    "within": inside[self.rule.stay_radius_minutes],
                    "share": _share(inside[self.rule.stay_radius_minutes], total),
                    "bands": [
                        {"max_minutes": b, "population": n, "share": _share(n, total)}
                        for b, n in inside.items()
                    ],
                }
            )
        return rows


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def bands_for(rule: ProximityRule) -> tuple[int, ...]:
    return tuple(sorted({HOUR, rule.stay_radius_minutes, FOUR_HOURS}))


def product_ids(catalog: Catalog, product: str | None) -> frozenset[str] | None:
    """The product ids a product id or a product class (its target: CD19, BCMA) stands for."""
    if not product:
        return None
    ids = catalog.products.ids
    if product in ids:
        return frozenset({product})
    wanted = frozenset(p.id for p in catalog.products.products if p.target == product)
    if not wanted:
        raise CoverageError(
            "Unknown product or product class.", fields={"product": "unknown product"}
        )
    return wanted


def product_choices(products: ProductCatalog) -> list[str]:
    """What a product may be: a class (CD19, BCMA), then each product's id."""
    targets = sorted({p.target for p in products.products})
    return [*targets, *products.ids]


class CoverageCache:
    """Every ZIP's nearest center per centers index (one per revision) and product choice."""

    def __init__(
        self, people: Population, candidate_people: int = DEFAULT_CANDIDATE_PEOPLE
    ) -> None:
        self.people = people
        self.candidate_people = candidate_people  # the default candidates' least population
        self._lock = threading.Lock()
        self._by_index: weakref.WeakKeyDictionary[
            CenterIndex, dict[frozenset[str] | None, Nearest]
        ] = weakref.WeakKeyDictionary()
        self._pairs: weakref.WeakKeyDictionary[
            CenterIndex, dict[tuple[frozenset[str] | None, int], tuple[np.ndarray, np.ndarray]]
        ] = weakref.WeakKeyDictionary()
        self._pairs_lock = threading.Lock()

    def default_pairs(
        self,
        index: CenterIndex,
        products: frozenset[str] | None,
        radius: int,
        measure: Callable[[], tuple[np.ndarray, np.ndarray]],
    ) -> tuple[np.ndarray, np.ndarray]:
        """The default candidates' (site, ZIP) pairs within the radius, measured once."""
        with self._pairs_lock:
            known = self._pairs.setdefault(index, {})
            if (products, radius) not in known:
                known[(products, radius)] = measure()
            return known[(products, radius)]

    def nearest(self, index: CenterIndex, products: frozenset[str] | None) -> Nearest:
        with self._lock:
            known = self._by_index.setdefault(index, {})
            if products not in known:
                rows = center_rows(index, products)
                where = sites(
                    [index.centers[i].lat for i in rows],
                    [index.centers[i].lon for i in rows],
                    self.people,
                )
                found = nearest_sites(self.people, where, index.road_model)
                lookup = np.append(np.asarray(rows, dtype=np.int64), -1)  # [-1] is "none"
                mapped = lookup[found.site]
                known[products] = Nearest(mapped, found.minutes)
            return known[products]


def center_rows(index: CenterIndex, products: frozenset[str] | None) -> list[int]:
    """The centers authorized for any of the products (all centers when None)."""
    if products is None:
        return list(range(len(index.centers)))
    return [i for i, c in enumerate(index.centers) if products.intersection(c.products)]


def coverage(
    catalog: Catalog,
    cache: CoverageCache,
    *,
    rule_id: str | None = None,
    product: str | None = None,
    state: str | None = None,
) -> Coverage:
    """Population within 1 hour, the rule's radius and 4 hours by road of a center."""
    rule = catalog.rules.get(rule_id)
    found = cache.nearest(catalog.centers, product_ids(catalog, product))
    people, minutes, center = cache.people, found.minutes, found.site
    if state:
        mask = people.state == state
        if not mask.any():
            raise CoverageError(
                "No population is known for this state.", fields={"state": "unknown state"}
            )
        rows = np.flatnonzero(mask)
        people, minutes, center = people.subset(rows), minutes[rows], center[rows]
    return Coverage(rule, product, state, bands_for(rule), people, minutes, center)


def coverage_json(result: Coverage) -> dict[str, Any]:
    """The body of GET /coverage."""
    total = result.total
    return {
        "rule": result.rule.id,
        "product": result.product,
        "state": result.state,
        "population_total": total,
        "bands": [
            {"max_minutes": b, "population": n, "share": _share(n, total)}
            for b, n in ((b, result.within(b)) for b in result.bands)
        ],
        "by_state": result.by_state(),
        "source": source_json(result.people),
    }


def source_json(people: Population) -> dict[str, Any]:
    return {
        **SOURCE,
        "drive_model": "geodesic distance, calibrated road model and land masses of the search",
        "missing": [
            {"state": state, "zctas": sum(1 for _, s in people.missing if s == state)}
            for state in people.missing_states
        ],
    }


@dataclass(frozen=True)
class Candidate:
    label: str
    lat: float
    lon: float


@dataclass(frozen=True)
class PlannedSite:
    candidate: Candidate
    state: str
    gain: int


@dataclass(frozen=True)
class Plan:
    rule: ProximityRule
    product: str | None
    population_total: int
    before: int
    sites: tuple[PlannedSite, ...]
    method: str
    optimum_at_most: int
    candidates: int

    @property
    def after(self) -> int:
        return self.before + sum(s.gain for s in self.sites)


def default_candidates(people: Population, minimum: int = DEFAULT_CANDIDATE_PEOPLE) -> list[int]:
    """ZIP areas (their Census internal points) of at least `minimum` people."""
    return np.flatnonzero(people.people >= minimum).tolist()


def plan_sites(
    catalog: Catalog,
    cache: CoverageCache,
    k: int,
    *,
    rule_id: str | None = None,
    product: str | None = None,
    candidates: Sequence[Candidate] | None = None,
    progress: Progress | None = None,
    exact_limit: int | None = None,
) -> Plan:
    """The k candidate sites that bring the most people within the rule's radius of a center."""
    if not 1 <= k <= MAX_K:
        raise CoverageError(f"k must be between 1 and {MAX_K}.", fields={"k": "out of range"})
    if candidates is not None and not 1 <= len(candidates) <= MAX_CANDIDATES:
        raise CoverageError(
            f"Give between 1 and {MAX_CANDIDATES} candidates.", fields={"candidates": "count"}
        )
    rule = catalog.rules.get(rule_id)
    people = cache.people
    wanted = product_ids(catalog, product)
    found = cache.nearest(catalog.centers, wanted)
    radius = rule.stay_radius_minutes
    covered = found.minutes <= radius
    default = candidates is None
    if candidates is None:
        rows = default_candidates(people, cache.candidate_people)
        candidates = [
            Candidate(f"ZIP {people.zcta[i]}", float(people.lat[i]), float(people.lon[i]))
            for i in rows
        ]
    where = sites([c.lat for c in candidates], [c.lon for c in candidates], people)

    def measure() -> tuple[np.ndarray, np.ndarray]:
        model = catalog.centers.road_model
        return pairs_within(people, np.flatnonzero(~covered), where, radius, model, progress)

    if default:
        site_of_pair, row_of_pair = cache.default_pairs(catalog.centers, wanted, radius, measure)
    else:
        site_of_pair, row_of_pair = measure()
    extra = {} if exact_limit is None else {"exact_limit": exact_limit}
    choice = choose_sites(site_of_pair, row_of_pair, people.people, len(candidates), k, **extra)
    chosen = [candidates[i] for i in choice.sites]
    if default:
        chosen = [town_label(c) for c in chosen]
    states = states_of(people, chosen)
    return Plan(
        rule=rule,
        product=product,
        population_total=people.total,
        before=int(people.people[covered].sum()),
        sites=tuple(
            PlannedSite(site, state, gain)
            for site, state, gain in zip(chosen, states, choice.gains, strict=True)
        ),
        method=choice.method,
        optimum_at_most=min(
            people.total, int(people.people[covered].sum()) + choice.optimum_at_most
        ),
        candidates=len(candidates),
    )


def town_label(candidate: Candidate) -> Candidate:
    """A default candidate named by its ZIP's town, as the USPS lists it."""
    zip_code = candidate.label.removeprefix("ZIP ")
    area = load_gazetteer().zip_area(zip_code)
    if area is None:
        return candidate
    label = f"{area.city.title()}, {area.state} ({zip_code})"
    return Candidate(label, candidate.lat, candidate.lon)


def states_of(people: Population, chosen: Sequence[Candidate]) -> list[str]:
    """The state of the ZIP area nearest each site."""
    result = []
    for c in chosen:
        distance = spherical_km(people.lat, people.lon, np.float64(c.lat), np.float64(c.lon))
        result.append(str(people.state[int(np.argmin(distance))]))
    return result


def plan_json(plan: Plan) -> dict[str, Any]:
    """The body of POST /coverage/plan."""
    total = plan.population_total
    return {
        "rule": plan.rule.id,
        "product": plan.product,
        "before": _share(plan.before, total),
        "after": _share(plan.after, total),
        "sites": [
            {
                "label": s.candidate.label,
                "lat": s.candidate.lat,
                "lon": s.candidate.lon,
                "state": s.state,
                "gain": s.gain,
            }
            for s in plan.sites
        ],
        "population_total": total,
        "population_before": plan.before,
        "population_after": plan.after,
        "method": plan.method,
        "guarantee": round(GUARANTEE, 4) if plan.method == "greedy" else 1.0,
        "after_at_most": _share(plan.optimum_at_most, total),
        "candidates": plan.candidates,
    }
