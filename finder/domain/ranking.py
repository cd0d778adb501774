"""Rank centers by how reachable they are under a proximity rule.

Order: centers within the rule's drive radius first, then by drive minutes, then by distance;
centers with no road from the patient (another island, Alaska, Puerto Rico) come last, by
distance. Drive minutes grow with distance, so that order is (no road?, distance). A numpy pass
over spherical distances picks the candidates; the exact WGS-84 geodesic (finder.domain.geodesy,
vectorised, the same figures as geographiclib's) is computed only for them, with a margin wider
than the sphere's error, so the answer equals the exact one.
"""

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from finder.domain.centers import Center
from finder.domain.claims import ProductClaim
from finder.domain.drive_model import DEFAULT_ROAD_MODEL, RoadModel
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.geodesy import geodesic_km, geodesic_km_many
from finder.domain.products import POPULATIONS, Population, ProductCatalog
from finder.domain.proximity_rules import ProximityRule
from finder.domain.road_network import connected_by_road, land_mass, land_masses

KM_PER_MILE = 1.609344
_EARTH_MEAN_RADIUS_KM = 6371.0088
# The sphere differs from the WGS-84 geodesic by under 0.6 %; the margin is wider.
_SPHERE_TOLERANCE = 0.01
_SPHERE_SLACK_KM = 0.5
_NO_ROAD_OFFSET_KM = 100_000.0
DEFAULT_LIMIT = 20
RECENT = 2048  # answers kept per index
MAX_LIMIT = 500


@dataclass(frozen=True)
class SearchFilters:
    """What the patient asked for; None means any."""

    product: str | None = None
    indication: str | None = None
    population: Population | None = None
    max_minutes: float | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class Reach:
    """How far a center is from the patient and what the rule makes of it."""

    distance_km: float
    drive_minutes: float | None
    within_proximity: bool
    borderline: bool

    @property
    def distance_mi(self) -> float:
        return self.distance_km / KM_PER_MILE

    @property
    def drivable(self) -> bool:
        return self.drive_minutes is not None


@dataclass(frozen=True)
class RankedCenter:
    center: Center
    reach: Reach
    claim: ProductClaim | None = None  # the claim of the product searched for, if one was


def reach_between(
    origin: tuple[float, float],
    center: Center,
    rule: ProximityRule,
    road_model: RoadModel = DEFAULT_ROAD_MODEL,
) -> Reach:
    """The reach of one center from one point (the plain, one-at-a-time definition)."""
    distance_km = geodesic_km(origin, (center.lat, center.lon))
    road = connected_by_road(land_mass(*origin), land_mass(center.lat, center.lon))
    return _reach(distance_km, road, rule, road_model)


def _reach(distance_km: float, road: bool, rule: ProximityRule, road_model: RoadModel) -> Reach:
    minutes = road_model.drive_minutes(distance_km) if road else None
    return Reach(
        distance_km=distance_km,
        drive_minutes=minutes,
        within_proximity=rule.within_proximity(minutes),
        borderline=minutes is not None
        and road_model.is_borderline(minutes, rule.stay_radius_minutes),
    )


def order_key(ranked: RankedCenter) -> tuple[bool, float, float]:
    """Within the radius first, then drive minutes, then distance."""
    reach = ranked.reach
    minutes = reach.drive_minutes if reach.drive_minutes is not None else math.inf
    return (not reach.within_proximity, minutes, reach.distance_km)


class CenterIndex:
    """The centers in arrays, built once per catalog revision, for fast ranking."""

    def __init__(
        self,
        centers: Sequence[Center],
        catalog: ProductCatalog,
        road_model: RoadModel = DEFAULT_ROAD_MODEL,
    ) -> None:
        self.centers = tuple(centers)
        self.catalog = catalog
        self.road_model = road_model
        self._by_id = {center.id: center for center in self.centers}
        self._lat_deg = np.array([c.lat for c in self.centers], dtype=float)
        self._lon_deg = np.array([c.lon for c in self.centers], dtype=float)
        self._lat = np.radians(self._lat_deg)
        self._lon = np.radians(self._lon_deg)
        masses = land_masses([c.lat for c in self.centers], [c.lon for c in self.centers])
        self._mass_names = sorted(set(masses))
        self._mass = np.array([self._mass_names.index(m) for m in masses], dtype=np.int16)
        self._product_bits = _bits([c.products for c in self.centers], catalog.ids)
        self._indication_bits = _bits([c.indications for c in self.centers], catalog.indications)
        self._population_bits = _bits([c.populations for c in self.centers], POPULATIONS)
        self._matches: dict[tuple[str | None, ...], np.ndarray] = {}
        self._recent: OrderedDict[tuple[object, ...], tuple[RankedCenter, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.centers)

    def get(self, center_id: str) -> Center:
        try:
            return self._by_id[center_id]
        except KeyError:
            raise UnknownReference("No center has this id.") from None

    def rank(
        self, lat: float, lon: float, rule: ProximityRule, filters: SearchFilters
    ) -> list[RankedCenter]:
        """The centers that match the filters, best reachable first, at most filters.limit.

        Searches repeat (the geocoder's places are a fixed set), so the last RECENT answers of
        this index are kept: the ranking is a function of the index and its arguments."""
        key = (lat, lon, rule, filters)
        with self._lock:
            found = self._recent.get(key)
            if found is not None:
                self._recent.move_to_end(key)
                return list(found)
        ranked = self._rank(lat, lon, rule, filters)
        with self._lock:
            self._recent[key] = tuple(ranked)
            if len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return ranked

    def _rank(
        self, lat: float, lon: float, rule: ProximityRule, filters: SearchFilters
    ) -> list[RankedCenter]:
        candidates = self._matching(filters)
        if not len(candidates) or filters.limit < 1:
            return []
        spherical = self._spherical_km(lat, lon, candidates)
        mass = _origin_mass(lat, lon)
        road = (
            self._mass[candidates] == self._mass_names.index(mass)
            if mass in self._mass_names
            else np.zeros(len(candidates), dtype=bool)
        )
        key = np.where(road, spherical, spherical + _NO_ROAD_OFFSET_KM)
        if filters.max_minutes is not None:
            reach_km = self.road_model.distance_for_minutes(filters.max_minutes)
            key = np.where(road & (spherical <= _widen(reach_km)), key, np.inf)
        chosen = _nearest_with_margin(key, filters.limit)
        rows = candidates[chosen]
        exact = geodesic_km_many(lat, lon, self._lat_deg[rows], self._lon_deg[rows])
        ranked = [
            RankedCenter(self.centers[row], _reach(float(km), bool(on_road), rule, self.road_model))
            for row, km, on_road in zip(rows.tolist(), exact, road[chosen].tolist(), strict=True)
        ]
        if filters.max_minutes is not None:
            limit_minutes = filters.max_minutes
            ranked = [
                r for r in ranked
                if r.reach.drive_minutes is not None and r.reach.drive_minutes <= limit_minutes
            ]  # fmt: skip
        ranked.sort(key=order_key)
        if filters.product:
            # Confirmed and published claims first; those resting on a report after them.
            ranked = [
                RankedCenter(r.center, r.reach, r.center.claim_for(filters.product))
                for r in ranked[: filters.limit]
            ]
            ranked.sort(key=lambda r: r.claim is None or not r.claim.strong)
        return ranked[: filters.limit]

    def _matching(self, filters: SearchFilters) -> np.ndarray:
        """The rows that match the filters, worked out once per combination."""
        key = (filters.product, filters.indication, filters.population)
        found = self._matches.get(key)
        if found is None:
            found = self._matches[key] = self._match(filters)
        return found

    def _match(self, filters: SearchFilters) -> np.ndarray:
        mask = np.ones(len(self.centers), dtype=bool)
        if filters.population is not None:
            mask &= (self._population_bits & _bit(POPULATIONS, filters.population)) != 0
        if filters.indication is not None:
            self.catalog.check_indication(filters.indication)
            mask &= (
                self._indication_bits & _bit(self.catalog.indications, filters.indication)
            ) != 0
        if filters.product or filters.indication or filters.population:
            eligible = self.catalog.eligible(
                filters.product, filters.indication, filters.population
            )
            wanted = sum(_bit(self.catalog.ids, p) for p in eligible)
            mask &= (self._product_bits & wanted) != 0
        return np.flatnonzero(mask)

    def _spherical_km(self, lat: float, lon: float, rows: np.ndarray) -> np.ndarray:
        lat0, lon0 = math.radians(lat), math.radians(lon)
        lat1, lon1 = self._lat[rows], self._lon[rows]
        half = (
            np.sin((lat1 - lat0) / 2.0) ** 2
            + math.cos(lat0) * np.cos(lat1) * np.sin((lon1 - lon0) / 2.0) ** 2
        )
        distance: np.ndarray = 2.0 * _EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.clip(half, 0, 1)))
        return distance


@lru_cache(maxsize=4096)
def _origin_mass(lat: float, lon: float) -> str:
    """The land mass of a search's origin; origins repeat (the geocoder's places)."""
    return land_mass(lat, lon)


def _widen(km: float) -> float:
    return km * (1.0 + _SPHERE_TOLERANCE) + _SPHERE_SLACK_KM


def _nearest_with_margin(key: np.ndarray, limit: int) -> np.ndarray:
    """Positions whose spherical key could, exactly measured, be among the first `limit`."""
    finite = np.flatnonzero(np.isfinite(key))
    if len(finite) <= limit:
        return finite
    kth = float(np.partition(key[finite], limit - 1)[limit - 1])
    if kth < _NO_ROAD_OFFSET_KM:
        bound = _widen(kth)
    else:
        bound = _widen(kth - _NO_ROAD_OFFSET_KM) + _NO_ROAD_OFFSET_KM
    return finite[key[finite] <= bound]


def _bit(names: Iterable[str], name: str) -> int:
    return 1 << list(names).index(name)


def _bits(values: Sequence[Sequence[str]], names: Iterable[str]) -> np.ndarray:
    order = list(names)
    return np.array([sum(1 << order.index(v) for v in items) for items in values], dtype=np.int64)


def check_limit(limit: int) -> int:
    """A result limit the service accepts."""
    if not 1 <= limit <= MAX_LIMIT:
        raise DomainError(
            f"limit must be between 1 and {MAX_LIMIT}.", fields={"limit": "out of range"}
        )
    return limit
