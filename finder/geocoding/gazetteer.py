"""The offline US gazetteer: ZIP areas, cities and states indexed from the `zipcodes` package."""

import functools
import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import zipcodes

from finder.geocoding.names import key_of
from finder.geocoding.regions import STATE_NAMES

# zipcodes ships no annotations for its public functions; give the one used here a type.
_list_all: Callable[[], list[dict[str, Any]]] = zipcodes.list_all

Point = tuple[float, float]
# (display name, lat, lon, number of ZIPs): one row per (city key, state), kept as a plain
# tuple because the index holds ~38,000 of them and must build in a fraction of a second.
_CityRow = tuple[str, float, float, int]


@dataclass(frozen=True, slots=True)
class ZipArea:
    """One five-digit ZIP code as the USPS lists it."""

    zip: str
    city: str
    other_cities: tuple[str, ...]
    state: str
    point: Point | None
    active: bool
    kind: str


@dataclass(frozen=True, slots=True)
class City:
    """A city (a USPS place name) within one state, located at the centroid of its ZIPs."""

    name: str
    state: str
    lat: float
    lon: float
    zip_count: int


@dataclass(frozen=True, slots=True)
class State:
    """A covered state or territory, located at the centroid of its ZIPs."""

    code: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Gazetteer:
    """Every lookup the offline geocoder needs, built once per process."""

    zip_records: Mapping[str, Mapping[str, Any]]
    city_rows: Mapping[tuple[str, str], _CityRow]
    states_by_city: Mapping[str, tuple[str, ...]]
    states: Mapping[str, State]

    def zip_area(self, zip_code: str) -> ZipArea | None:
        """Return the ZIP area for a five-digit ZIP code, active or not."""
        record = self.zip_records.get(zip_code)
        return None if record is None else _zip_area(record)

    def city(self, key: str, state: str) -> City | None:
        """Return the city with name key `key` in `state`, if the USPS knows one."""
        row = self.city_rows.get((key, state))
        return None if row is None else City(row[0], state, row[1], row[2], row[3])

    def cities_named(self, key: str) -> tuple[City, ...]:
        """Return the cities with name key `key` in every state, those with most ZIPs first."""
        rows = ((state, self.city_rows[key, state]) for state in self.states_by_city.get(key, ()))
        return tuple(City(row[0], state, row[1], row[2], row[3]) for state, row in rows)


_build_lock = threading.Lock()


def load_gazetteer() -> Gazetteer:
    """Return the process-wide gazetteer, building it on first use."""
    with _build_lock:
        return _build_gazetteer()


def warm_up() -> None:
    """Build the gazetteer now, so the first person to search does not wait for it."""
    load_gazetteer()


@functools.cache
def _build_gazetteer() -> Gazetteer:
    with _collector_paused():
        return build_gazetteer(_list_all())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, which otherwise doubles the build time by rescanning
    the ~100,000 containers the build creates; the build itself creates no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_gazetteer(records: Iterable[Mapping[str, Any]]) -> Gazetteer:
    """Index `zipcodes`-shaped records by ZIP, by (city key, state) and by city key."""
    zip_records: dict[str, Mapping[str, Any]] = {}
    # Per (key, state): [name, named by a primary city, ZIP count, tier, lat sum, lon sum, n].
    # Points come from the best tier seen: 0 = active STANDARD ZIPs naming the city first,
    # 1 = active STANDARD ZIPs accepting the name, 2 = any ZIP with coordinates.
    tallies: dict[tuple[str, str], list[Any]] = {}
    state_sums: dict[str, list[float]] = {code: [0.0, 0.0, 0.0] for code in STATE_NAMES}
    keys: dict[str, str] = {}
    for record in records:
        zip_records[record["zip_code"]] = record
        state = record["state"]
        if state not in STATE_NAMES:
            continue
        lat, lon = float(record["lat"] or 0), float(record["long"] or 0)
        located = lat != 0 or lon != 0
        standard = record["active"] and record["zip_code_type"] == "STANDARD"
        if standard and located:
            sums = state_sums[state]
            sums[0] += lat
            sums[1] += lon
            sums[2] += 1
        seen: set[str] = set()
        for rank, name in enumerate((record["city"], *record["acceptable_cities"])):
            key = keys.get(name) or keys.setdefault(name, key_of(name))
            if key in seen:
                continue
            seen.add(key)
            tally = tallies.get((key, state))
            if tally is None:
                tally = tallies[key, state] = [name, rank == 0, 0, 3, 0.0, 0.0, 0]
            elif rank == 0 and not tally[1]:
                tally[0], tally[1] = name, True
            tally[2] += 1
            if not located:
                continue
            tier = 0 if standard and rank == 0 else 1 if standard else 2
            if tier < tally[3]:
                tally[3:] = [tier, lat, lon, 1]
            elif tier == tally[3]:
                tally[4] += lat
                tally[5] += lon
                tally[6] += 1
    city_rows = {
        key: (tally[0], round(tally[4] / tally[6], 5), round(tally[5] / tally[6], 5), tally[2])
        for key, tally in tallies.items()
        if tally[6]
    }
    return Gazetteer(
        zip_records=zip_records,
        city_rows=city_rows,
        states_by_city=_states_by_city(city_rows),
        states={
            code: State(code, STATE_NAMES[code], round(lat / n, 5), round(lon / n, 5))
            for code, (lat, lon, n) in state_sums.items()
            if n
        },
    )


def _states_by_city(city_rows: Mapping[tuple[str, str], _CityRow]) -> dict[str, tuple[str, ...]]:
    """Map each city key to the states having it, those where it has most ZIPs first."""
    found: dict[str, list[tuple[int, str]]] = {}
    for (key, state), row in city_rows.items():
        found.setdefault(key, []).append((-row[3], state))
    return {key: tuple(state for _, state in sorted(pairs)) for key, pairs in found.items()}


def _zip_area(record: Mapping[str, Any]) -> ZipArea:
    lat, lon = float(record["lat"] or 0), float(record["long"] or 0)
    return ZipArea(
        zip=record["zip_code"],
        city=record["city"],
        other_cities=tuple(record["acceptable_cities"]),
        state=record["state"],
        point=None if lat == 0 and lon == 0 else (lat, lon),
        active=bool(record["active"]),
        kind=record["zip_code_type"],
    )
