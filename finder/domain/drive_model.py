"""Drive time estimated from geodesic distance: a calibrated road model, no routing engine.

Straight-line distance predicts road distance and time well across the US (r² > 0.9 over 66,000
locations; Boscoe, Henry & Zdeb, Prof Geogr 2012), except near shorelines and barriers.
The model: road km = circuity × geodesic km; the trip pays a fixed access time, and its average
speed rises from urban to highway speed as the trip grows. The constants were fitted to the
25 city pairs in data/drive_calibration.csv (see docs/drive-model.md and
bench/calibrate_drive_model.py): RMS relative error 8.5 %, worst cases -18 % / +18 %.
Times are free-flow; traffic makes real trips longer, so answers near the radius are flagged.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class RoadModel:
    """Free-flow drive minutes as a function of geodesic distance."""

    circuity: float = 1.12
    access_minutes: float = 10.0
    urban_kmh: float = 56.0
    highway_kmh: float = 110.0
    urban_scale_km: float = 20.0
    uncertainty: float = 0.15

    def drive_minutes(self, distance_km: float) -> float:
        """Estimated free-flow minutes by road for a geodesic distance."""
        road_km = self.circuity * max(distance_km, 0.0)
        speed = self.highway_kmh - (self.highway_kmh - self.urban_kmh) * math.exp(
            -road_km / self.urban_scale_km
        )
        return self.access_minutes + 60.0 * road_km / speed

    def distance_for_minutes(self, minutes: float) -> float:
        """The geodesic km that the model turns into exactly these minutes (0 if below access)."""
        if minutes <= self.access_minutes:
            return 0.0
        low, high = 0.0, 1.0
        while self.drive_minutes(high) < minutes:
            high *= 2.0
        for _ in range(60):
            middle = (low + high) / 2.0
            if self.drive_minutes(middle) < minutes:
                low = middle
            else:
                high = middle
        return high

    def is_borderline(self, drive_minutes: float, radius_minutes: float) -> bool:
        """Whether the model's error could put this trip on the other side of the radius."""
        return abs(drive_minutes - radius_minutes) <= self.uncertainty * radius_minutes


DEFAULT_ROAD_MODEL = RoadModel()
