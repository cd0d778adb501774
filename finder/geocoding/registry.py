"""Choosing a geocoder by name, as the configuration spells it."""

from finder.geocoding.base import Geocoder
from finder.geocoding.offline import OfflineGeocoder

GEOCODER_NAMES = ("offline", "nominatim", "photon", "arcgis")


def get_geocoder(
    name: str = "offline",
    *,
    user_agent: str | None = None,
    timeout: float = 5.0,
    min_delay_seconds: float = 1.0,
    cache_size: int = 1024,
    fallback: Geocoder | None = None,
) -> Geocoder:
    """Return the geocoder called `name`; online ones fall back to the offline one by default."""
    chosen = name.strip().lower()
    if chosen not in GEOCODER_NAMES:
        known = ", ".join(GEOCODER_NAMES)
        raise ValueError(f"Unknown geocoder {name!r}; the known geocoders are: {known}.")
    if chosen == "offline":
        return OfflineGeocoder()
    # Imported here so that the offline default never pays for importing geopy's services.
    from finder.geocoding import online

    return online.online_geocoder(
        chosen,
        user_agent=user_agent,
        timeout=timeout,
        min_delay_seconds=min_delay_seconds,
        cache_size=cache_size,
        fallback=fallback if fallback is not None else OfflineGeocoder(),
    )
