"""A ZIP lands where its people, or its one institution, are: the Census ZCTA internal point
first, a sourced institution building for ZIPs with no ZCTA, the `zipcodes` package's point
last. Each case names the source it uses."""

import csv
from pathlib import Path

import pytest

from finder.data_files import skip_comments
from finder.domain.ranking import geodesic_km
from finder.geocoding import OfflineGeocoder
from finder.geocoding.gazetteer import INSTITUTION_FILE, load_gazetteer, read_zip_points

CASES = [
    # zip, source, the building, what it is
    ("90095", "zcta", (34.0664, -118.4466), "Ronald Reagan UCLA Medical Center"),
    ("44195", "institution", (41.502595, -81.621066), "Cleveland Clinic main campus"),
    ("14263", "institution", (42.897185, -78.866852), "Roswell Park, Buffalo"),
    ("66160", "zcta", (39.0565, -94.6100), "University of Kansas Medical Center (centers.csv)"),
    ("14642", "zcta", (43.1225, -77.6260), "University of Rochester Medical Center (centers.csv)"),
]


@pytest.mark.parametrize(("zip_code", "source", "building", "what"), CASES)
def test_an_institution_zip_lands_within_3_km_of_it(zip_code, source, building, what):
    area = load_gazetteer().zip_area(zip_code)
    assert area is not None and area.point_source == source, what
    place = OfflineGeocoder().geocode(zip_code)
    assert place.zip == zip_code and place.precision == "zip"
    assert geodesic_km((place.lat, place.lon), building) < 3.0, what


def test_an_ordinary_zip_uses_its_zcta_point():
    area = load_gazetteer().zip_area("02115")
    assert area is not None and area.point_source == "zcta"
    assert area.point == (42.33942, -71.09454)


def test_a_zip_with_neither_keeps_the_package_point():
    area = load_gazetteer().zip_area("27710")  # Duke's own ZIP: no ZCTA, no sourced building
    assert area is not None and area.point_source == "usps" and area.point is not None


def test_every_institution_row_names_its_source():
    with INSTITUTION_FILE.open(newline="", encoding="utf-8") as handle:
        skip_comments(handle)
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        assert row["source"].startswith("https://"), row["zip"]
        assert row["checked_on"], row["zip"]


def test_an_institution_point_wins_over_a_zcta_and_missing_files_are_skipped(tmp_path: Path):
    zcta = tmp_path / "zcta.csv"
    zcta.write_text("zcta,lat,lon,population,state\n12345,40.0,-75.0,10,NY\n")
    institutions = tmp_path / "institutions.csv"
    institutions.write_text("zip,lat,lon,institution,source,checked_on\n12345,41.0,-76.0,x,y,z\n")
    assert read_zip_points(zcta, institutions) == {"12345": (41.0, -76.0, "institution")}
    assert read_zip_points(tmp_path / "none.csv", tmp_path / "none2.csv") == {}
