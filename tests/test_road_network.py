"""Land masses: no road joins Hawaii's islands, Alaska, Puerto Rico and the mainland."""

import pytest

from finder.domain.road_network import MAINLAND, connected_by_road, land_mass, land_masses


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (42.36, -71.06, MAINLAND),  # Boston
        (24.55, -81.78, MAINLAND),  # Key West: the Overseas Highway
        (21.31, -157.86, "hawaii-oahu"),
        (20.89, -156.47, "hawaii-maui"),
        (19.71, -155.08, "hawaii-big-island"),
        (22.08, -159.35, "hawaii-kauai"),
        (18.47, -66.11, "puerto-rico"),
        (18.15, -65.44, "puerto-rico-vieques"),
        (61.22, -149.90, "alaska"),
        (58.30, -134.42, "alaska"),  # Juneau, in the panhandle
        (21.50, -158.40, "hawaii-oahu"),  # just off Oahu's box: the nearest island
    ],
)
def test_land_mass_of_known_places(lat, lon, expected):
    assert land_mass(lat, lon) == expected


def test_many_points_at_once_agree_with_one_at_a_time():
    lats = [42.36, 21.31, 18.47, 61.22, 21.50]
    lons = [-71.06, -157.86, -66.11, -149.90, -158.40]
    assert land_masses(lats, lons) == [land_mass(a, b) for a, b in zip(lats, lons, strict=True)]


def test_only_the_same_land_mass_is_connected():
    assert connected_by_road(MAINLAND, MAINLAND)
    assert not connected_by_road("hawaii-oahu", "hawaii-maui")
    assert not connected_by_road("puerto-rico", MAINLAND)
