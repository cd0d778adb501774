"""WGS-84 geodesic distances for many points at once: Vincenty's inverse formula in numpy.

Vincenty's iteration on the ellipsoid agrees with Karney's algorithm (geographiclib, the engine
of geopy's `geodesic`) to well under a millimetre wherever it converges, which it does for
every pair of points that are not nearly antipodal: everywhere in the United States and its
territories. A pair it does not settle within the iteration budget is measured with
geographiclib instead, so every figure is the exact geodesic (tests/test_geodesy.py compares
them over the whole US).
"""

import math

import numpy as np
from geographiclib.geodesic import Geodesic

_A = 6_378_137.0  # WGS-84 semi-major axis, metres
_F = 1 / 298.257223563  # WGS-84 flattening
_B = _A * (1 - _F)
_ITERATIONS = 40
_CONVERGED = 1e-12  # radians of lambda: a few micrometres on the ground


def geodesic_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """One WGS-84 geodesic distance in km, the same figure as `geodesic_km_many` gives."""
    return float(geodesic_km_many(a[0], a[1], np.array([b[0]]), np.array([b[1]]))[0])


def karney_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """One WGS-84 geodesic distance in km by geographiclib (Karney's algorithm)."""
    result = Geodesic.WGS84.Inverse(a[0], a[1], b[0], b[1], Geodesic.DISTANCE)
    return float(result["s12"]) / 1000.0


def geodesic_km_many(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """The WGS-84 geodesic distance in km from (lat, lon) to each (lats[i], lons[i]), degrees."""
    lats = np.asarray(lats, dtype=float)
    lons = np.asarray(lons, dtype=float)
    if lats.size == 0:
        return np.zeros(0)
    u1 = math.atan((1 - _F) * math.tan(math.radians(lat)))
    u2 = np.arctan((1 - _F) * np.tan(np.radians(lats)))
    sin_u1, cos_u1 = math.sin(u1), math.cos(u1)
    sin_u2, cos_u2 = np.sin(u2), np.cos(u2)
    big_l = np.radians((lons - lon + 180.0) % 360.0 - 180.0)
    lam = big_l.copy()
    done = np.zeros(lam.shape, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(_ITERATIONS):
            sin_sigma, cos_sigma, sigma, sin_alpha, cos_sq_alpha, cos_2sm = _terms(
                lam, sin_u1, cos_u1, sin_u2, cos_u2
            )
            c = _F / 16 * cos_sq_alpha * (4 + _F * (4 - 3 * cos_sq_alpha))
            following = big_l + (1 - c) * _F * sin_alpha * (
                sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
            )
            # A settled pair keeps its lambda, so its figure does not depend on the others.
            settled = np.abs(following - lam) <= _CONVERGED
            lam = np.where(done, lam, following)
            done |= settled
            if done.all():
                break
        sin_sigma, cos_sigma, sigma, _, cos_sq_alpha, cos_2sm = _terms(
            lam, sin_u1, cos_u1, sin_u2, cos_u2
        )
        u_sq = cos_sq_alpha * (_A**2 - _B**2) / _B**2
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
        metres = _B * big_a * (sigma - delta_sigma)
    unsettled = ~done | ~np.isfinite(metres)
    for i in np.flatnonzero(unsettled):  # nearly antipodal: never within the US
        metres[i] = karney_km((lat, lon), (float(lats[i]), float(lons[i]))) * 1000.0
    kilometres: np.ndarray = metres / 1000.0
    return kilometres


def _terms(
    lam: np.ndarray, sin_u1: float, cos_u1: float, sin_u2: np.ndarray, cos_u2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vincenty's auxiliary sphere quantities for the longitude difference `lam`."""
    sin_lam, cos_lam = np.sin(lam), np.cos(lam)
    sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
    cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
    sigma = np.arctan2(sin_sigma, cos_sigma)
    sin_alpha = np.where(sin_sigma == 0, 0.0, cos_u1 * cos_u2 * sin_lam / sin_sigma)
    cos_sq_alpha = 1 - sin_alpha**2
    cos_2sm = np.where(cos_sq_alpha == 0, 0.0, cos_sigma - 2 * sin_u1 * sin_u2 / cos_sq_alpha)
    return sin_sigma, cos_sigma, sigma, sin_alpha, cos_sq_alpha, cos_2sm
