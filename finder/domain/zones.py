"""IANA time zones: which names are real, and how two zones compare at an instant."""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MAX_ZONE_NAME = 64


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_zone(name: object) -> str | None:
    """The name when it is an IANA zone this machine knows, else None."""
    if not isinstance(name, str) or not name or len(name) > MAX_ZONE_NAME:
        return None
    if name not in _known_zones():
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def same_clock(instant: datetime, zone: str, other: str | None) -> bool:
    """Whether the two zones show the same wall-clock time then (nothing more to show)."""
    if other is None or other == zone:
        return True
    here = instant.astimezone(ZoneInfo(zone))
    there = instant.astimezone(ZoneInfo(other))
    return here.utcoffset() == there.utcoffset() and here.tzname() == there.tzname()


def offset_text(instant: datetime, zone: str) -> str:
    """The zone's offset from UTC then, e.g. "UTC−04:00"."""
    offset = instant.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"
