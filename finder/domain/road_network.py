"""Which land mass a point is on: no road joins Hawaii's islands, Alaska or Puerto Rico to the
mainland or to each other, so a drive between two land masses does not exist."""

from dataclasses import dataclass
from functools import cache

import numpy as np
from shapely import STRtree, box, points
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

MAINLAND = "mainland"

# Bounding boxes (min lon, min lat, max lon, max lat) of the islands and of Alaska. Anything in
# none of them is the contiguous US, whose roads all connect. Ferries are not roads.
_LAND_MASSES: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("alaska", (-179.99, 51.0, -129.9, 71.6)),
    ("alaska", (170.0, 51.0, 179.99, 53.5)),
    ("hawaii-kauai", (-159.82, 21.84, -159.27, 22.25)),
    ("hawaii-niihau", (-160.26, 21.75, -160.04, 22.03)),
    ("hawaii-oahu", (-158.30, 21.24, -157.63, 21.72)),
    ("hawaii-molokai", (-157.33, 21.04, -156.70, 21.23)),
    ("hawaii-lanai", (-157.08, 20.71, -156.80, 20.95)),
    ("hawaii-maui", (-156.70, 20.57, -155.97, 21.04)),
    ("hawaii-kahoolawe", (-156.70, 20.49, -156.53, 20.60)),
    ("hawaii-big-island", (-156.08, 18.90, -154.79, 20.28)),
    ("puerto-rico", (-67.30, 17.87, -65.585, 18.53)),
    ("puerto-rico-vieques", (-65.585, 18.05, -65.24, 18.18)),
    ("puerto-rico-culebra", (-65.36, 18.27, -65.20, 18.36)),
    ("virgin-islands-st-thomas", (-65.10, 18.27, -64.83, 18.41)),
    ("virgin-islands-st-john", (-64.80, 18.30, -64.66, 18.38)),
    ("virgin-islands-st-croix", (-64.91, 17.66, -64.55, 17.81)),
    ("guam", (144.60, 13.22, 145.00, 13.66)),
)
# Wider boxes that catch points a little off an island's box (a ZIP centroid at sea, a typo of
# a few hundredths of a degree): such a point goes to the nearest island of its group.
_ISLAND_GROUPS: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("hawaii", (-160.6, 18.5, -154.4, 22.6)),
    ("puerto-rico", (-68.0, 17.5, -65.1, 18.7)),
    ("virgin-islands", (-65.1, 17.5, -64.3, 18.6)),
)


@dataclass(frozen=True)
class _Index:
    names: tuple[str, ...]
    tree: STRtree
    groups: tuple[tuple[str, BaseGeometry], ...]


@cache
def _index() -> _Index:
    names = tuple(name for name, _ in _LAND_MASSES)
    tree = STRtree([box(*bounds) for _, bounds in _LAND_MASSES])
    groups = tuple((name, box(*bounds)) for name, bounds in _ISLAND_GROUPS)
    return _Index(names, tree, groups)


def land_mass(lat: float, lon: float) -> str:
    """The name of the road-connected land mass at this point."""
    index = _index()
    point = Point(lon, lat)
    hits = index.tree.query(point, predicate="intersects")
    if len(hits):
        return index.names[int(min(hits))]
    for group, area in index.groups:
        if area.intersects(point):
            nearest = index.tree.nearest(point)
            name = index.names[int(nearest)]
            if name.startswith(group):
                return name
    return MAINLAND


def land_masses(lats: "np.typing.ArrayLike", lons: "np.typing.ArrayLike") -> list[str]:
    """The land mass of each point, for many points at once."""
    lat_array, lon_array = np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)
    index = _index()
    found: list[str | None] = [None] * len(lat_array)
    point_ids, box_ids = index.tree.query(points(lon_array, lat_array), predicate="intersects")
    for point_id, box_id in sorted(zip(point_ids.tolist(), box_ids.tolist(), strict=True)):
        if found[point_id] is None:
            found[point_id] = index.names[box_id]
    return [
        name if name is not None else land_mass(float(lat_array[i]), float(lon_array[i]))
        for i, name in enumerate(found)
    ]


def land_mass_bounds(name: str) -> tuple[float, float, float, float] | None:
    """The bounding box of an island land mass; None for the mainland and Alaska."""
    if name in (MAINLAND, "alaska"):
        return None
    return next(bounds for mass, bounds in _LAND_MASSES if mass == name)


def connected_by_road(a: str, b: str) -> bool:
    """Whether a drive between two land masses exists."""
    return a == b
