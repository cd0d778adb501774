"""The stay zone drawn on the map: a geodesic circle of the drive radius, clipped to land."""

from geopy.distance import geodesic
from shapely import Polygon
from shapely.geometry.base import BaseGeometry

SEGMENTS = 72


def geodesic_circle(lat: float, lon: float, radius_km: float) -> Polygon:
    """The points radius_km away along the WGS-84 geodesic, as a polygon in lon/lat."""
    distance = geodesic(kilometers=radius_km)
    ring = []
    for step in range(SEGMENTS):
        point = distance.destination((lat, lon), bearing=step * 360.0 / SEGMENTS)
        ring.append((point.longitude, point.latitude))
    return Polygon(ring)


def stay_zone(
    lat: float,
    lon: float,
    radius_km: float,
    *,
    land: BaseGeometry | None = None,
    reachable: BaseGeometry | None = None,
) -> BaseGeometry:
    """The circle, without the sea (`land`) and other land masses (`reachable`) when known."""
    zone: BaseGeometry = geodesic_circle(lat, lon, radius_km)
    for clip in (reachable, land):
        if clip is not None:
            zone = zone.intersection(clip)
    return zone
