"""Turning a patient's location text into a point: the port, its adapters and their registry."""

from finder.geocoding.base import (
    AmbiguousPlace,
    Geocoder,
    GeocoderUnavailable,
    GeocodingError,
    InvalidQuery,
    Place,
    PlaceNotFound,
    Precision,
)
from finder.geocoding.gazetteer import warm_up
from finder.geocoding.offline import OfflineGeocoder
from finder.geocoding.registry import GEOCODER_NAMES, get_geocoder

__all__ = [
    "GEOCODER_NAMES",
    "AmbiguousPlace",
    "Geocoder",
    "GeocoderUnavailable",
    "GeocodingError",
    "InvalidQuery",
    "OfflineGeocoder",
    "Place",
    "PlaceNotFound",
    "Precision",
    "get_geocoder",
    "warm_up",
]
