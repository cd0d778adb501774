"""The geocoding port: what a place is, what can go wrong, and what every adapter answers to."""

from dataclasses import dataclass
from typing import Literal, Protocol

Precision = Literal["address", "zip", "city", "state"]
NotFoundReason = Literal["not_found", "outside_us"]


@dataclass(frozen=True)
class Place:
    """A point to measure distances from, with an honest account of how exact it is."""

    lat: float
    lon: float
    precision: Precision
    label: str
    state: str
    zip: str | None = None


class GeocodingError(Exception):
    """Root of the geocoding errors; `message` is shown to people and never repeats their input."""

    default_message = "The location could not be found."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidQuery(GeocodingError):
    """The text cannot be a location at all (empty, too long, control characters, markup)."""

    default_message = "Enter a ZIP code, a city and state, or a street address."


class PlaceNotFound(GeocodingError):
    """A well-formed location that is unknown, or that lies outside the United States;
    `suggestions` are places spelt like it (a misspelling, a Spanish name), closest first."""

    def __init__(
        self,
        message: str | None = None,
        *,
        reason: NotFoundReason = "not_found",
        suggestions: tuple[Place, ...] = (),
    ) -> None:
        if message is None and reason == "outside_us":
            message = "Only locations in the United States and its territories are supported."
        super().__init__(message)
        self.reason: NotFoundReason = reason
        self.suggestions = suggestions


class AmbiguousPlace(GeocodingError):
    """A name that several places share; `candidates` lists the likeliest, most populous first."""

    default_message = "More than one place has that name; add the state or a ZIP code."

    def __init__(self, message: str | None = None, *, candidates: tuple[Place, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


class GeocoderUnavailable(GeocodingError):
    """An online geocoding service failed and no fallback was configured."""

    default_message = "The geocoding service is not available right now; try again later."


class Geocoder(Protocol):
    """Anything that turns a person's location text into a Place."""

    def geocode(self, query: str) -> Place:
        """Return the place for `query` or raise a GeocodingError."""
        ...
