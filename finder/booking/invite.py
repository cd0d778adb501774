"""The calendar invite (RFC 5545 ``.ics``, RFC 5546 iTIP) sent for a CAR T consultation booking.

Privacy: the invite carries only the fields of :class:`Invite`. It never contains the
patient's name or birth date; callers must not put them into the summary, location or
description either (the booking reference identifies the booking).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

PRODID = "-//CAR T Center Finder//Consultation booking//EN"
INVITE_CONTENT_TYPE = "text/calendar; charset=utf-8; method=REQUEST"
"""Content type of a new or changed booking's invite; see :func:`invite_content_type`."""

_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+")


@dataclass(frozen=True)
class Invite:
    """What goes into the invite, and nothing else: no patient name, no birth date."""

    uid: str  # stable for the life of the booking, e.g. "booking-42@cart-center-finder"
    sequence: int  # 0 at booking, bumped on every change of time or status
    start: datetime  # aware instant
    end: datetime  # aware instant
    timezone: str  # the center's IANA zone, e.g. "America/Denver"
    summary: str
    location: str  # center name and street address, one line
    description: str  # plain text: phone, what to bring, booking reference
    organizer: str  # email address of the sender, with or without "mailto:"
    stamp: datetime  # DTSTAMP, aware
    cancelled: bool = False
    attendee: str = ""  # the person whose calendar it is for (an email address), if known
    published: bool = False  # a downloaded copy: PUBLISH, whatever the status


def invite_method(invite: Invite) -> str:
    """The iTIP method: ``PUBLISH`` for a downloaded copy (calendars import it as it is),
    ``CANCEL`` for a mailed cancellation, else ``REQUEST`` (mailed, to its attendee)."""
    if invite.published:
        return "PUBLISH"
    return "CANCEL" if invite.cancelled else "REQUEST"


def invite_content_type(invite: Invite) -> str:
    """The MIME type of the ``.ics`` part, with the method matching the calendar's."""
    return f"text/calendar; charset=utf-8; method={invite_method(invite)}"


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _in_zone(instant: datetime, zone: ZoneInfo) -> datetime:
    """The instant as wall-clock time in the zone (written with TZID), or in UTC.

    RFC 5545 (3.3.5) reads a repeated local time as its first occurrence, so the second
    01:30 of a fall-back night cannot be written with TZID; it is written in UTC instead.
    """
    local = instant.astimezone(zone)
    return local if local.replace(fold=0).utcoffset() == local.utcoffset() else instant


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def _vtimezone(zone: ZoneInfo, start: datetime, end: datetime) -> Timezone:
    """The zone's VTIMEZONE from the start of the year of ``start`` to the end of the next.

    Built from zoneinfo, one observance per offset change: icalendar 7.3's
    ``Timezone.from_tzid`` writes a spring-forward onset in the new offset (03:00 instead of
    02:00 for -0500 to -0400), which RFC 5545 (3.6.5, 3.8.3.3) reads one hour late.
    """
    vtimezone = Timezone()
    vtimezone.add("tzid", zone.key)
    onsets = _onsets(zone, start.astimezone(zone).year, end.astimezone(zone).year + 2)
    before = _offset(onsets[0], zone)
    for onset in onsets:
        local = onset.astimezone(zone)
        observance = TimezoneDaylight() if local.dst() else TimezoneStandard()
        observance.add("dtstart", (onset + before).replace(tzinfo=None))  # local time before
        observance.add("tzoffsetfrom", before)
        observance.add("tzoffsetto", local.utcoffset())
        observance.add("tzname", local.tzname())
        vtimezone.add_component(observance)
        before = _offset(onset, zone)
    return vtimezone


@lru_cache(maxsize=256)
def _onsets(zone: ZoneInfo, first_year: int, end_year: int) -> tuple[datetime, ...]:
    """1 January of `first_year`, then each instant the zone's offset changes before `end_year`
    (kept per zone and years: every message of a batch carries the same block)."""
    instant = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    last = datetime(end_year, 1, 1, tzinfo=zone).astimezone(UTC)
    before = _offset(instant, zone)
    onsets = [instant]
    while instant < last:
        later = instant + timedelta(hours=6)
        if _offset(later, zone) != before:
            while later - instant > timedelta(seconds=1):  # bisect to the onset
                middle = instant + (later - instant) / 2
                instant, later = (
                    (middle, later) if _offset(middle, zone) == before else (instant, middle)
                )
            onsets.append(later)
            before = _offset(later, zone)
        instant = later
    return tuple(onsets)


def invite_ics(invite: Invite) -> bytes:
    """The invite as an iCalendar object with one VEVENT and the center's VTIMEZONE.

    Raises ValueError for naive datetimes, an end not after the start, a negative
    sequence, an unknown time zone or an organizer that is not an email address.
    """
    start = _aware("start", invite.start)
    end = _aware("end", invite.end)
    stamp = _aware("stamp", invite.stamp)
    if end <= start:
        raise ValueError("end must be after start")
    if invite.sequence < 0:
        raise ValueError("sequence must not be negative")
    try:
        zone = ZoneInfo(invite.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {invite.timezone!r}") from error
    address = re.sub(r"(?i)^mailto:", "", invite.organizer)
    if not _EMAIL.fullmatch(address):
        raise ValueError(f"organizer is not an email address: {invite.organizer!r}")

    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", _in_zone(start, zone))
    event.add("dtend", _in_zone(end, zone))
    event.add("summary", invite.summary)
    event.add("location", invite.location)
    event.add("description", invite.description)
    event.add("organizer", vCalAddress(f"mailto:{address}"))
    attendee = re.sub(r"(?i)^mailto:", "", invite.attendee)
    if attendee and _EMAIL.fullmatch(attendee):
        person = vCalAddress(f"mailto:{attendee}")
        person.params["ROLE"] = "REQ-PARTICIPANT"
        person.params["PARTSTAT"] = "DECLINED" if invite.cancelled else "ACCEPTED"
        event.add("attendee", person)
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", invite_method(invite))
    # Always the center's zone, even when both times had to be written in UTC.
    calendar.add_component(_vtimezone(zone, start, end))
    calendar.add_component(event)
    ics: bytes = calendar.to_ical()
    return ics
