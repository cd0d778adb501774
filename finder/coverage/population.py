"""US population by ZCTA (2020 Census DHC P1, 2025 Gazetteer internal points), read once.

The file is vendored in data/zcta/ with its source (data/zcta/SOURCE.md). The island areas
(US Virgin Islands, Guam, American Samoa, Northern Mariana Islands) have points but no 2020
population at ZCTA level: they are listed as missing, never counted as zero people.
"""

import csv
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from finder.data_files import skip_comments
from finder.domain.road_network import land_masses

SOURCE = {
    "population": "U.S. Census Bureau, 2020 Census Demographic and Housing Characteristics "
    "File (DHC), table P1 (P1_001N), ZCTA level",
    "population_url": "https://data.census.gov/table/DECENNIALDHC2020.P1?g=010XX00US$8600000",
    "points": "U.S. Census Bureau, 2025 Gazetteer Files, ZCTA internal points",
    "points_url": "https://www2.census.gov/geo/docs/maps-data/data/gazetteer/2025_Gazetteer/"
    "2025_Gaz_zcta_national.zip",
    "year": 2020,
    "licence": "public domain (U.S. Government work, 17 U.S.C. §105)",
}


@dataclass(frozen=True)
class Population:
    """Every ZCTA with a population, in arrays; and the places whose population is missing."""

    zcta: np.ndarray  # str
    lat: np.ndarray
    lon: np.ndarray
    people: np.ndarray  # int64
    state: np.ndarray  # str
    mass: np.ndarray  # int16 index into masses
    masses: tuple[str, ...]
    missing: tuple[tuple[str, str], ...]  # (zcta, state) with no population figure

    def __len__(self) -> int:
        return len(self.zcta)

    @property
    def total(self) -> int:
        return int(self.people.sum())

    @property
    def missing_states(self) -> list[str]:
        return sorted({state for _, state in self.missing})

    def subset(self, rows: np.ndarray) -> "Population":
        return Population(
            self.zcta[rows],
            self.lat[rows],
            self.lon[rows],
            self.people[rows],
            self.state[rows],
            self.mass[rows],
            self.masses,
            self.missing,
        )


def read_population(path: Path) -> Population:
    """Parse the vendored CSV (zcta,lat,lon,population,state)."""
    rows: list[tuple[str, float, float, int, str]] = []
    missing: list[tuple[str, str]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        skip_comments(handle)
        for item in csv.DictReader(handle):
            if not item["population"]:
                missing.append((item["zcta"], item["state"]))
                continue
            rows.append(
                (
                    item["zcta"],
                    float(item["lat"]),
                    float(item["lon"]),
                    int(item["population"]),
                    item["state"],
                )
            )
    lat = np.array([r[1] for r in rows], dtype=float)
    lon = np.array([r[2] for r in rows], dtype=float)
    names = land_masses(lat, lon)
    masses = tuple(sorted(set(names)))
    index = {name: i for i, name in enumerate(masses)}
    return Population(
        zcta=np.array([r[0] for r in rows]),
        lat=lat,
        lon=lon,
        people=np.array([r[3] for r in rows], dtype=np.int64),
        state=np.array([r[4] for r in rows]),
        mass=np.array([index[n] for n in names], dtype=np.int16),
        masses=masses,
        missing=tuple(missing),
    )


_loaded: dict[Path, Population] = {}
_lock = threading.Lock()


def population(data_dir: Path) -> Population:
    """The population under data_dir/zcta, read once per process."""
    path = data_dir / "zcta" / "zcta_population.csv"
    with _lock:
        if path not in _loaded:
            _loaded[path] = read_population(path)
        return _loaded[path]
