"""Online geocoders: geopy services behind a rate limit, an LRU cache and a fallback geocoder."""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopy.exc
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import ArcGIS, Nominatim, Photon

from finder.geocoding.address import looks_like_street
from finder.geocoding.base import Geocoder, GeocoderUnavailable, Place, PlaceNotFound
from finder.geocoding.gazetteer import load_gazetteer
from finder.geocoding.query import clean_query, query_key
from finder.geocoding.service_answers import (
    COVERED_COUNTRIES,
    AnswerReader,
    read_arcgis,
    read_nominatim,
    read_photon,
    state_code,
)

logger = logging.getLogger(__name__)

SERVICE_FAILURES = (geopy.exc.GeocoderServiceError, OSError)
NOT_FOUND = "The geocoding service found no such place in the United States."


@dataclass(frozen=True)
class _Miss:
    """A remembered PlaceNotFound, re-raised afresh for each repeated query."""

    message: str
    outside_us: bool


class AnswerCache:
    """A thread-safe LRU memory of answers, keyed by the normalised query."""

    def __init__(self, size: int) -> None:
        self._size = max(0, size)
        self._answers: OrderedDict[str, Place | _Miss] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Place | _Miss | None:
        """Return the remembered answer for `key`, marking it recently used."""
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: str, answer: Place | _Miss) -> None:
        """Remember an answer, forgetting the least recently used beyond the size."""
        if self._size == 0:
            return
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)


class OnlineGeocoder:
    """Asks one geopy service, at most once per `min_delay_seconds`, falling back when it fails."""

    def __init__(
        self,
        service: Any,
        *,
        name: str,
        read: AnswerReader,
        options: Mapping[str, Any],
        min_delay_seconds: float = 1.0,
        cache_size: int = 1024,
        fallback: Geocoder | None = None,
    ) -> None:
        keep_queries_out_of_geopy_logs()
        self.name = name
        self.service = service
        self.fallback = fallback
        self._read = read
        self._options = dict(options)
        self._cache = AnswerCache(cache_size)
        # No retries: a failing service is answered by the fallback at once instead of after
        # geopy's retry waits, and geopy's retry warning would otherwise log the query.
        self._ask = RateLimiter(
            service.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            swallow_exceptions=False,
        )

    def geocode(self, query: str) -> Place:
        """Return the place the service finds for `query`, or the fallback's if it fails."""
        text = clean_query(query)
        key = query_key(text)
        remembered = self._cache.get(key)
        if isinstance(remembered, _Miss):
            raise PlaceNotFound(
                remembered.message, reason="outside_us" if remembered.outside_us else "not_found"
            )
        if remembered is not None:
            return remembered
        try:
            location = self._ask(text, **self._options)
        except SERVICE_FAILURES as error:
            return self._fall_back(text, error)
        try:
            place = self._place(location, text)
        except PlaceNotFound as missing:
            self._cache.put(key, _Miss(missing.message, missing.reason == "outside_us"))
            raise
        self._cache.put(key, place)
        return place

    def _fall_back(self, text: str, error: Exception) -> Place:
        failure = type(error).__name__
        if self.fallback is None:
            logger.warning("Geocoding service %s failed (%s); no fallback", self.name, failure)
            raise GeocoderUnavailable() from None
        logger.warning("Geocoding service %s failed (%s); using the fallback", self.name, failure)
        return self.fallback.geocode(text)

    def _place(self, location: Any, text: str) -> Place:
        if location is None:
            raise PlaceNotFound(NOT_FOUND)
        answer = self._read(location)
        if answer.country is not None and answer.country not in COVERED_COUNTRIES:
            raise PlaceNotFound(reason="outside_us")
        state = state_code(answer.country, answer.state) or _state_of_zip(answer.zip)
        if state is None:
            raise PlaceNotFound(NOT_FOUND)
        precision = answer.precision or ("address" if looks_like_street(text) else "city")
        return Place(answer.lat, answer.lon, precision, answer.label, state, answer.zip)


def _state_of_zip(zip_code: str | None) -> str | None:
    if zip_code is None:
        return None
    area = load_gazetteer().zip_area(zip_code)
    return None if area is None else state_code(None, area.state)


@dataclass(frozen=True)
class _Service:
    """How to build and read one geopy service."""

    make: Callable[..., Any]
    read: AnswerReader
    options: Mapping[str, Any]
    needs_user_agent: bool = False


# Built through lambdas so that the geopy class is looked up when an adapter is made.
SERVICES: dict[str, _Service] = {
    "nominatim": _Service(
        make=lambda **settings: Nominatim(**settings),
        read=read_nominatim,
        options={
            "exactly_one": True,
            "addressdetails": True,
            "country_codes": [code for code in COVERED_COUNTRIES if len(code) == 2],
        },
        needs_user_agent=True,  # its usage policy demands one
    ),
    # Photon and ArcGIS cannot be limited to a country, so their answers are checked.
    "photon": _Service(
        make=lambda **settings: Photon(**settings),
        read=read_photon,
        options={"exactly_one": True, "language": "en"},
    ),
    "arcgis": _Service(
        make=lambda **settings: ArcGIS(**settings),
        read=read_arcgis,
        options={"exactly_one": True, "out_fields": "*"},
    ),
}


def online_geocoder(
    name: str,
    *,
    user_agent: str | None = None,
    timeout: float = 5.0,
    min_delay_seconds: float = 1.0,
    cache_size: int = 1024,
    fallback: Geocoder | None = None,
) -> OnlineGeocoder:
    """Return the adapter for the geopy service called `name`."""
    service = SERVICES[name]
    if service.needs_user_agent and not user_agent:
        raise ValueError(f"The {name} geocoder needs a user_agent naming this application.")
    return OnlineGeocoder(
        service.make(user_agent=user_agent, timeout=timeout),
        name=name,
        read=service.read,
        options=dict(service.options),
        min_delay_seconds=min_delay_seconds,
        cache_size=cache_size,
        fallback=fallback,
    )


class _DropQueryBearingRecords(logging.Filter):
    """Drops geopy's debug and info records, which carry request URLs holding the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def keep_queries_out_of_geopy_logs() -> None:
    """Make sure geopy never logs a request URL, since URLs carry people's addresses."""
    geopy_logger = logging.getLogger("geopy")
    if not any(isinstance(known, _DropQueryBearingRecords) for known in geopy_logger.filters):
        geopy_logger.addFilter(_DropQueryBearingRecords())
