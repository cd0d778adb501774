"""Fit the road model to data/drive_calibration.csv and print each pair's error.

The committed constants in finder/domain/drive_model.py came from this grid search with the
circuity fixed at the pairs' median road/straight ratio (1.12).
"""

import csv
import itertools
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geopy.distance import geodesic

from finder.domain.drive_model import DEFAULT_ROAD_MODEL, RoadModel

PAIRS = Path(__file__).resolve().parent.parent / "data" / "drive_calibration.csv"


def load() -> list[tuple[str, float, float, float]]:
    with PAIRS.open() as handle:
        rows = list(csv.DictReader(handle))
    return [
        (
            f"{r['origin']} - {r['destination']}",
            geodesic(
                (float(r["origin_lat"]), float(r["origin_lon"])),
                (float(r["destination_lat"]), float(r["destination_lon"])),
            ).km,
            float(r["road_miles"]) * 1.609344,
            float(r["drive_minutes"]),
        )
        for r in rows
    ]


def rms(model: RoadModel, pairs) -> float:
    errors = [((model.drive_minutes(km) - minutes) / minutes) ** 2 for _, km, _, minutes in pairs]
    return math.sqrt(sum(errors) / len(errors))


def main() -> None:
    pairs = load()
    ratios = sorted(road / km for _, km, road, _ in pairs)
    circuity = round(ratios[len(ratios) // 2], 2)
    grid = itertools.product(
        range(0, 16), range(20, 70, 2), range(80, 125), (5, 10, 15, 20, 30, 40, 60, 80, 100, 150)
    )
    best = min(
        (
            RoadModel(
                circuity=circuity, access_minutes=a, urban_kmh=u, highway_kmh=h, urban_scale_km=s
            )
            for a, u, h, s in grid
        ),
        key=lambda m: rms(m, pairs),
    )
    print(f"median circuity {circuity}; best fit {best}; RMS {rms(best, pairs):.1%}")
    print(f"committed model {DEFAULT_ROAD_MODEL}; RMS {rms(DEFAULT_ROAD_MODEL, pairs):.1%}")
    print(f"{'pair':<44} {'km':>7} {'ref min':>8} {'model':>7} {'error':>7}")
    for name, km, _, minutes in pairs:
        model = DEFAULT_ROAD_MODEL.drive_minutes(km)
        error = (model - minutes) / minutes
        print(f"{name:<44} {km:7.1f} {minutes:8.0f} {model:7.1f} {error:+7.1%}")


if __name__ == "__main__":
    main()
