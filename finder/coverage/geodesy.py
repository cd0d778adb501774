"""Distances and drive minutes for many pairs at once, with the search's own definitions.

The search measures the WGS-84 geodesic (geographiclib) one pair at a time; here Vincenty's
inverse formula on the same ellipsoid does it for arrays (it agrees with geographiclib to well
under a millimetre at these distances; tested). Drive minutes are the search's road model,
written for arrays; the land masses are the search's too.
"""

from typing import Any

import numpy as np

from finder.domain.drive_model import RoadModel

_A = 6378137.0
_F = 1 / 298.257223563
_B = _A * (1 - _F)
EARTH_MEAN_RADIUS_KM = 6371.0088
# The sphere differs from the WGS-84 geodesic by under 0.6 %; candidates keep a wider margin.
SPHERE_TOLERANCE = 0.01
SPHERE_SLACK_KM = 0.5


def widen(km: np.ndarray) -> np.ndarray:
    """A spherical distance's bound, wide enough for its error against the geodesic."""
    widened: np.ndarray = km * (1.0 + SPHERE_TOLERANCE) + SPHERE_SLACK_KM
    return widened


def spherical_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle km (broadcasting); degrees in."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    half = (
        np.sin((p2 - p1) / 2.0) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2.0) ** 2
    )
    result: np.ndarray = 2.0 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.clip(half, 0, 1)))
    return result


def geodesic_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """WGS-84 geodesic km for each pair (Vincenty's inverse, vectorised); degrees in."""
    lat1, lon1, lat2, lon2 = np.broadcast_arrays(
        np.asarray(lat1, float), np.asarray(lon1, float), np.asarray(lat2, float),
        np.asarray(lon2, float),
    )  # fmt: skip
    u1 = np.arctan((1 - _F) * np.tan(np.radians(lat1)))
    u2 = np.arctan((1 - _F) * np.tan(np.radians(lat2)))
    big_l = np.radians(lon2 - lon1)
    big_l = (big_l + np.pi) % (2 * np.pi) - np.pi
    sin_u1, cos_u1, sin_u2, cos_u2 = np.sin(u1), np.cos(u1), np.sin(u2), np.cos(u2)
    lam = big_l.copy()
    for _ in range(200):
        sin_lam, cos_lam = np.sin(lam), np.cos(lam)
        sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = np.arctan2(sin_sigma, cos_sigma)
        safe = np.where(sin_sigma == 0, 1.0, sin_sigma)
        sin_alpha = np.where(sin_sigma == 0, 0.0, cos_u1 * cos_u2 * sin_lam / safe)
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = np.where(
            cos2_alpha == 0, 0.0, cos_sigma - 2 * sin_u1 * sin_u2 / np.where(
                cos2_alpha == 0, 1.0, cos2_alpha
            )
        )  # fmt: skip
        c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * _F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if np.all(np.abs(lam - previous) < 1e-13):
            break
    u_sq = cos2_alpha * (_A**2 - _B**2) / _B**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    metres: np.ndarray = _B * big_a * (sigma - delta_sigma)
    return metres / 1000.0


def drive_minutes(model: RoadModel, distance_km: np.ndarray) -> np.ndarray:
    """RoadModel.drive_minutes for an array of geodesic km."""
    road_km = model.circuity * np.maximum(distance_km, 0.0)
    speed = model.highway_kmh - (model.highway_kmh - model.urban_kmh) * np.exp(
        -road_km / model.urban_scale_km
    )
    minutes: np.ndarray = model.access_minutes + 60.0 * road_km / speed
    return minutes
