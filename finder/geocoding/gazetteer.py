"""The offline US gazetteer: ZIP areas, cities and states indexed from the `zipcodes` package.

A ZIP's point is, in order of preference: the institution's building, for the ZIPs that belong
to one institution and have no populated area (`data/institution_zips.csv`, each row sourced);
the Census 2020 ZCTA internal point (`data/zcta/zcta_population.csv`), which lies where the
ZIP's people are; the `zipcodes` package's point, which for some ZIPs is far from them (UCLA's
90095 lies 34 km away near Long Beach there).
"""

import csv
import functools
import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import zipcodes

from finder.data_files import skip_comments
from finder.geocoding.names import key_of
from finder.geocoding.regions import STATE_NAMES

# zipcodes ships no annotations for its public functions; give the one used here a type.
_list_all: Callable[[], list[dict[str, Any]]] = zipcodes.list_all

Point = tuple[float, float]
PointSource = Literal["institution", "zcta", "usps"]
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
ZCTA_FILE = DATA_DIR / "zcta" / "zcta_population.csv"
INSTITUTION_FILE = DATA_DIR / "institution_zips.csv"
# Per (city key, state), as a plain list because the index holds ~38,000 of them and must build
# in a fraction of a second: [name, named by a primary city, ZIP count, tier, lat sum, lon sum,
# points]. Points come from the best tier seen: 0 = active STANDARD ZIPs naming the city first,
# 1 = active STANDARD ZIPs accepting the name, 2 = any ZIP with coordinates, 3 = none yet.
_Tally = list[Any]


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
    point_source: PointSource = "usps"


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
    city_tallies: Mapping[tuple[str, str], _Tally]
    states_by_city: Mapping[str, Sequence[str]]
    states: Mapping[str, State]
    # Better points than the package's, by ZIP: (lat, lon, source).
    zip_points: Mapping[str, tuple[float, float, PointSource]] = field(default_factory=dict)

    def zip_area(self, zip_code: str) -> ZipArea | None:
        """Return the ZIP area for a five-digit ZIP code, active or not."""
        record = self.zip_records.get(zip_code)
        if record is None:
            return None
        area = _zip_area(record)
        better = self.zip_points.get(zip_code)
        if better is None:
            return area
        return replace(area, point=(better[0], better[1]), point_source=better[2])

    def knows_city(self, key: str, state: str | None) -> bool:
        """Tell whether a city name key exists in `state`, or in any state if it is None."""
        if state is None:
            return any(self.city(key, known) for known in self.states_by_city.get(key, ()))
        return self.city(key, state) is not None

    def city(self, key: str, state: str) -> City | None:
        """Return the city with name key `key` in `state`, if the USPS knows one with a location."""
        tally = self.city_tallies.get((key, state))
        if tally is None or not tally[6]:
            return None
        lat, lon = round(tally[4] / tally[6], 5), round(tally[5] / tally[6], 5)
        return City(tally[0], state, lat, lon, tally[2])

    def cities_named(self, key: str) -> tuple[City, ...]:
        """Return the cities with name key `key` in every state, those with most ZIPs first."""
        found = [self.city(key, state) for state in self.states_by_city.get(key, ())]
        located = [city for city in found if city is not None]
        return tuple(sorted(located, key=lambda city: (-city.zip_count, city.state)))


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
        return replace(build_gazetteer(_list_all()), zip_points=read_zip_points())


def read_zip_points(
    zcta_file: Path = ZCTA_FILE, institution_file: Path = INSTITUTION_FILE
) -> dict[str, tuple[float, float, PointSource]]:
    """The ZCTA internal points, then the institutions' buildings over them; a missing file is
    skipped (the package's points remain)."""
    points: dict[str, tuple[float, float, PointSource]] = {}
    for path, source in ((zcta_file, "zcta"), (institution_file, "institution")):
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            skip_comments(handle)
            for row in csv.DictReader(handle):
                code = row.get("zcta") or row["zip"]
                points[code] = (float(row["lat"]), float(row["lon"]), source)  # type: ignore[assignment]
    return points


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the gazetteer builds, halving the build time."""
    # Otherwise each collection rescans the ~100,000 containers the build has already made;
    # the build creates no reference cycles, so nothing is left for the collector to find.
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
    tallies: dict[tuple[str, str], _Tally] = {}
    states_by_city: dict[str, list[str]] = {}
    state_sums = {code: [0.0, 0.0, 0] for code in STATE_NAMES}
    keys: dict[str, str] = {}
    for record in records:
        zip_records[record["zip_code"]] = record
        state = record["state"]
        if state not in state_sums:
            continue
        lat, lon = float(record["lat"] or 0), float(record["long"] or 0)
        located = lat != 0 or lon != 0
        standard = record["active"] and record["zip_code_type"] == "STANDARD"
        if standard and located:
            sums = state_sums[state]
            sums[0] += lat
            sums[1] += lon
            sums[2] += 1
        names = record["acceptable_cities"]
        names = [record["city"], *names] if names else [record["city"]]
        seen = set()
        for rank, name in enumerate(names):
            key = keys.get(name)
            if key is None:
                key = keys[name] = key_of(name)
            if key in seen:
                continue
            seen.add(key)
            tally = tallies.get((key, state))
            if tally is None:
                tally = tallies[key, state] = [name, rank == 0, 0, 3, 0.0, 0.0, 0]
                states_by_city.setdefault(key, []).append(state)
            elif rank == 0 and not tally[1]:
                tally[0], tally[1] = name, True
            tally[2] += 1
            if located:
                tier = (0 if rank == 0 else 1) if standard else 2
                if tier < tally[3]:
                    tally[3:] = [tier, lat, lon, 1]
                elif tier == tally[3]:
                    tally[4] += lat
                    tally[5] += lon
                    tally[6] += 1
    return Gazetteer(
        zip_records=zip_records,
        city_tallies=tallies,
        states_by_city=states_by_city,
        states={
            code: State(code, STATE_NAMES[code], round(lat / n, 5), round(lon / n, 5))
            for code, (lat, lon, n) in state_sums.items()
            if n
        },
    )


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
