"""The road model: calibrated, monotone, invertible."""

import csv

from geopy.distance import geodesic

from finder.config import PROJECT_ROOT
from finder.domain.drive_model import DEFAULT_ROAD_MODEL as MODEL


def test_drive_time_grows_with_distance():
    minutes = [MODEL.drive_minutes(km) for km in range(0, 2000, 5)]
    assert minutes == sorted(minutes)
    assert len(set(minutes)) == len(minutes)


def test_distance_for_minutes_inverts_drive_minutes():
    for minutes in (15, 60, 120, 240, 600):
        assert abs(MODEL.drive_minutes(MODEL.distance_for_minutes(minutes)) - minutes) < 1e-6


def test_two_hours_reach_roughly_110_miles_in_a_straight_line():
    assert 160 < MODEL.distance_for_minutes(120) < 200


def test_model_stays_within_twenty_percent_of_every_calibration_pair():
    with (PROJECT_ROOT / "data" / "drive_calibration.csv").open() as handle:
        for row in csv.DictReader(handle):
            km = geodesic(
                (float(row["origin_lat"]), float(row["origin_lon"])),
                (float(row["destination_lat"]), float(row["destination_lon"])),
            ).km
            reference = float(row["drive_minutes"])
            assert abs(MODEL.drive_minutes(km) - reference) / reference < 0.2, row


def test_answers_near_the_radius_are_borderline():
    assert MODEL.is_borderline(110, 120)
    assert MODEL.is_borderline(135, 120)
    assert not MODEL.is_borderline(60, 120)
