"""Each ZIP's nearest center by road and its drive minutes, for many ZIPs at once.

The search ranks a patient's centers by (no road?, distance), so the best reachable center is
the nearest one on the same land mass, and its drive minutes come from the road model. Here a
spherical pass over every ZIP and center picks, per ZIP, the centers within the sphere's error
of the nearest; the WGS-84 geodesic is measured for those only (tested equal to the search).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from finder.coverage.geodesy import drive_minutes, geodesic_km, spherical_km, widen
from finder.coverage.population import Population
from finder.domain.drive_model import RoadModel
from finder.domain.road_network import land_masses

_CHUNK = 4096
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Sites:
    """Points that can treat (centers, or candidate centers), with their land masses."""

    lat: np.ndarray
    lon: np.ndarray
    mass: np.ndarray  # index into the population's masses; -1: a land mass with no ZIP

    def __len__(self) -> int:
        return len(self.lat)


def sites(lats: Sequence[float], lons: Sequence[float], people: Population) -> Sites:
    names = land_masses(list(lats), list(lons)) if len(lats) else []
    index = {name: i for i, name in enumerate(people.masses)}
    return Sites(
        lat=np.asarray(lats, dtype=float),
        lon=np.asarray(lons, dtype=float),
        mass=np.array([index.get(n, -1) for n in names], dtype=np.int16),
    )


@dataclass(frozen=True)
class Nearest:
    """Per ZIP: the row of its nearest reachable site (-1: none by road) and the minutes
    (inf when there is no road to any site)."""

    site: np.ndarray
    minutes: np.ndarray


def nearest_sites(people: Population, where: Sites, model: RoadModel) -> Nearest:
    """Every ZIP's nearest site by road, and the drive minutes to it."""
    count = len(people)
    site = np.full(count, -1, dtype=np.int64)
    minutes = np.full(count, np.inf)
    if not len(where):
        return Nearest(site, minutes)
    for start in range(0, count, _CHUNK):
        rows = slice(start, min(start + _CHUNK, count))
        sphere = spherical_km(
            people.lat[rows, None], people.lon[rows, None], where.lat[None, :], where.lon[None, :]
        )
        sphere[people.mass[rows, None] != where.mass[None, :]] = np.inf
        closest = sphere.min(axis=1)
        reachable = np.isfinite(closest)
        candidate = (sphere <= widen(closest)[:, None]) & reachable[:, None]
        zip_rows, site_rows = np.nonzero(candidate)
        zip_rows_global = zip_rows + start
        exact = geodesic_km(
            people.lat[zip_rows_global],
            people.lon[zip_rows_global],
            where.lat[site_rows],
            where.lon[site_rows],
        )
        # The smallest exact distance per ZIP; ties go to the first site, as a stable sort does.
        order = np.lexsort((site_rows, exact, zip_rows))
        first = np.ones(len(order), dtype=bool)
        first[1:] = zip_rows[order][1:] != zip_rows[order][:-1]
        best = order[first]
        site[zip_rows_global[best]] = site_rows[best]
        minutes[zip_rows_global[best]] = drive_minutes(model, exact[best])
    return Nearest(site, minutes)


def pairs_within(
    people: Population,
    rows: np.ndarray,
    where: Sites,
    radius_minutes: float,
    model: RoadModel,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(site, ZIP row) pairs, on one land mass, within radius_minutes by road; rows are the
    ZIP rows to consider."""
    reach_km = float(widen(np.array(model.distance_for_minutes(radius_minutes))))
    found_sites: list[np.ndarray] = []
    found_rows: list[np.ndarray] = []
    lat, lon, mass = people.lat[rows], people.lon[rows], people.mass[rows]
    step = max(1, 2_000_000 // max(len(rows), 1))
    for start in range(0, len(where), step):
        chunk = slice(start, min(start + step, len(where)))
        sphere = spherical_km(
            where.lat[chunk, None], where.lon[chunk, None], lat[None, :], lon[None, :]
        )
        near = (sphere <= reach_km) & (where.mass[chunk, None] == mass[None, :])
        site_rows, zip_rows = np.nonzero(near)
        exact = geodesic_km(
            where.lat[site_rows + start], where.lon[site_rows + start], lat[zip_rows], lon[zip_rows]
        )
        keep = drive_minutes(model, exact) <= radius_minutes
        found_sites.append(site_rows[keep] + start)
        found_rows.append(rows[zip_rows[keep]])
        if progress is not None:
            progress(min(start + step, len(where)), len(where))
    if not found_sites:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(found_sites), np.concatenate(found_rows)
