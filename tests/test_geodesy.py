"""The vectorised WGS-84 geodesic against geographiclib (Karney's algorithm, geopy's engine)."""

import random

import numpy as np
from geopy.distance import geodesic

from finder.domain.geodesy import geodesic_km, geodesic_km_many, karney_km

# The US and its territories: the lower 48, Alaska (the Aleutians cross 180°), Hawaii, Puerto
# Rico and the US Virgin Islands, Guam and the Northern Marianas, American Samoa.
REGIONS = {
    "lower 48": ((24.5, 49.5), (-125.0, -66.9)),
    "alaska": ((51.0, 71.5), (-179.9, -129.9)),
    "aleutians west of 180": ((51.0, 53.0), (172.0, 179.9)),
    "hawaii": ((18.9, 22.3), (-160.3, -154.8)),
    "puerto rico and usvi": ((17.6, 18.6), (-67.3, -64.5)),
    "guam and marianas": ((13.2, 20.6), (144.6, 146.1)),
    "american samoa": ((-14.6, -11.0), (-171.1, -168.1)),
}
TOLERANCE_KM = 1e-6  # a millimetre; the requirement is a metre


def points(rng: random.Random, count: int) -> list[tuple[float, float]]:
    regions = list(REGIONS.values())
    chosen = []
    for _ in range(count):
        (lat0, lat1), (lon0, lon1) = rng.choice(regions)
        chosen.append((rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)))
    return chosen


def test_every_pair_across_the_us_is_within_a_millimetre_of_geographiclib():
    rng = random.Random(18)
    origins = points(rng, 60)
    targets = points(rng, 400)
    lats = np.array([lat for lat, _ in targets])
    lons = np.array([lon for _, lon in targets])
    worst = 0.0
    for origin in origins:
        fast = geodesic_km_many(*origin, lats, lons)
        exact = np.array([karney_km(origin, target) for target in targets])
        worst = max(worst, float(np.max(np.abs(fast - exact))))
    assert worst < TOLERANCE_KM, f"worst difference {worst * 1e6:.3f} mm"


def test_agrees_with_geopy_on_known_pairs():
    pairs = [
        ((42.3376, -71.1056), (29.7075, -95.4003)),  # Boston to Houston
        ((21.3069, -157.8583), (18.4655, -66.1057)),  # Honolulu to San Juan
        ((64.8378, -147.7164), (25.7617, -80.1918)),  # Fairbanks to Miami
        ((13.4443, 144.7937), (61.2181, -149.9003)),  # Guam to Anchorage, across 180°
        ((52.9, 173.2), (51.88, -176.65)),  # Attu to Adak
    ]
    for a, b in pairs:
        assert abs(geodesic_km(a, b) - geodesic(a, b).km) < TOLERANCE_KM


def test_the_same_point_is_zero_and_short_hops_are_exact():
    assert geodesic_km((40.0, -100.0), (40.0, -100.0)) == 0.0
    a = (40.0, -100.0)
    for b in [(40.0, -100.00001), (40.00001, -100.0), (40.0001, -99.9999)]:
        assert abs(geodesic_km(a, b) - karney_km(a, b)) < TOLERANCE_KM


def test_one_at_a_time_equals_many_at_once():
    rng = random.Random(3)
    targets = points(rng, 50)
    origin = (39.0, -77.0)
    many = geodesic_km_many(
        *origin, np.array([t[0] for t in targets]), np.array([t[1] for t in targets])
    )
    assert [geodesic_km(origin, t) for t in targets] == many.tolist()


def test_nearly_antipodal_points_fall_back_to_geographiclib():
    origin = (0.0, 0.0)
    lats, lons = np.array([0.5, -0.2]), np.array([179.7, 179.9])
    fast = geodesic_km_many(*origin, lats, lons)
    exact = [karney_km(origin, (lat, lon)) for lat, lon in zip(lats, lons, strict=True)]
    assert np.allclose(fast, exact, rtol=0, atol=TOLERANCE_KM)


def test_no_points_no_distances():
    assert geodesic_km_many(40.0, -100.0, np.array([]), np.array([])).size == 0
