"""The .ics invite of a consultation booking: wall-clock times in the center's zone, DST weeks."""

import io
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event, Timezone

from finder.booking.invite import (
    INVITE_CONTENT_TYPE,
    Invite,
    invite_content_type,
    invite_ics,
    invite_method,
)

HOUR = timedelta(hours=1)
STAMP = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make(start: datetime, zone: str = "America/New_York", **changes: Any) -> Invite:
    invite = Invite(
        uid="booking-42@cart-center-finder",
        sequence=0,
        start=start,
        end=start + HOUR,
        timezone=zone,
        summary="CAR T consultation at Dana-Farber Cancer Institute",
        location="Dana-Farber Cancer Institute, 450 Brookline Ave, Boston, MA 02215",
        description="Phone: +1 617-632-3000\nBring: insurance card, medication list\nRef: B-42",
        organizer="noreply@finder.example",
        stamp=STAMP,
    )
    return replace(invite, **changes)


def when(event: Event, name: str) -> datetime:
    """DTSTART or DTEND as parsed back: an aware datetime."""
    value = event.decoded(name)
    assert isinstance(value, datetime)
    assert value.tzinfo is not None
    return value


def parse(ics: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.events
    return calendar, event


# zone, UTC instant, local wall-clock time there. 09:00 local in the weeks of the 2027 changes
# (14 March, 7 November); Phoenix and Honolulu keep one offset all year.
WALL_CLOCK = [
    ("America/New_York", utc(2027, 3, 12, 14), datetime(2027, 3, 12, 9)),  # Fri, EST
    ("America/New_York", utc(2027, 3, 15, 13), datetime(2027, 3, 15, 9)),  # Mon, EDT
    ("America/New_York", utc(2027, 11, 5, 13), datetime(2027, 11, 5, 9)),  # Fri, EDT
    ("America/New_York", utc(2027, 11, 8, 14), datetime(2027, 11, 8, 9)),  # Mon, EST
    ("America/Chicago", utc(2027, 3, 12, 15), datetime(2027, 3, 12, 9)),
    ("America/Chicago", utc(2027, 3, 15, 14), datetime(2027, 3, 15, 9)),
    ("America/Chicago", utc(2027, 11, 5, 14), datetime(2027, 11, 5, 9)),
    ("America/Chicago", utc(2027, 11, 8, 15), datetime(2027, 11, 8, 9)),
    ("America/Denver", utc(2027, 3, 12, 16), datetime(2027, 3, 12, 9)),
    ("America/Denver", utc(2027, 3, 15, 15), datetime(2027, 3, 15, 9)),
    ("America/Denver", utc(2027, 11, 5, 15), datetime(2027, 11, 5, 9)),
    ("America/Denver", utc(2027, 11, 8, 16), datetime(2027, 11, 8, 9)),
    ("America/Phoenix", utc(2027, 3, 12, 16), datetime(2027, 3, 12, 9)),
    ("America/Phoenix", utc(2027, 3, 15, 16), datetime(2027, 3, 15, 9)),
    ("America/Phoenix", utc(2027, 11, 5, 16), datetime(2027, 11, 5, 9)),
    ("America/Phoenix", utc(2027, 11, 8, 16), datetime(2027, 11, 8, 9)),
    ("America/Los_Angeles", utc(2027, 3, 12, 17), datetime(2027, 3, 12, 9)),
    ("America/Los_Angeles", utc(2027, 3, 15, 16), datetime(2027, 3, 15, 9)),
    ("America/Los_Angeles", utc(2027, 11, 5, 16), datetime(2027, 11, 5, 9)),
    ("America/Los_Angeles", utc(2027, 11, 8, 17), datetime(2027, 11, 8, 9)),
    ("Pacific/Honolulu", utc(2027, 3, 12, 19), datetime(2027, 3, 12, 9)),
    ("Pacific/Honolulu", utc(2027, 3, 15, 19), datetime(2027, 3, 15, 9)),
    ("Pacific/Honolulu", utc(2027, 11, 8, 19), datetime(2027, 11, 8, 9)),
]

# zone: (standard offset, daylight offset or None), in hours
OFFSETS = {
    "America/New_York": (-5, -4),
    "America/Chicago": (-6, -5),
    "America/Denver": (-7, -6),
    "America/Phoenix": (-7, None),
    "America/Los_Angeles": (-8, -7),
    "Pacific/Honolulu": (-10, None),
}


@pytest.mark.parametrize(("zone", "instant", "wall"), WALL_CLOCK)
def test_times_are_wall_clock_in_the_center_zone(
    zone: str, instant: datetime, wall: datetime
) -> None:
    ics = invite_ics(make(instant, zone))
    _, event = parse(ics)
    for name, at, local in (("DTSTART", instant, wall), ("DTEND", instant + HOUR, wall + HOUR)):
        assert f"{name};TZID={zone}:{local:%Y%m%dT%H%M%S}\r\n".encode() in ics
        assert event[name].params["TZID"] == zone
        assert when(event, name).replace(tzinfo=None) == local
        assert when(event, name).astimezone(UTC) == at


@pytest.mark.parametrize(("zone", "instant", "wall"), WALL_CLOCK)
def test_the_same_instant_given_in_another_zone(
    zone: str, instant: datetime, wall: datetime
) -> None:
    given = instant.astimezone(ZoneInfo("Asia/Tokyo"))
    _, event = parse(invite_ics(make(given, zone)))
    assert when(event, "DTSTART").astimezone(UTC) == instant
    assert when(event, "DTSTART").replace(tzinfo=None) == wall


@pytest.mark.parametrize("zone", OFFSETS)
def test_vtimezone_has_the_zone_offsets(zone: str) -> None:
    calendar, _ = parse(invite_ics(make(utc(2027, 3, 15, 16), zone)))
    (vtimezone,) = calendar.timezones
    assert vtimezone.tz_name == zone
    standard, daylight = OFFSETS[zone]
    assert {o.TZOFFSETTO for o in vtimezone.standard} == {timedelta(hours=standard)}
    if daylight is None:
        assert vtimezone.daylight == []
        assert {o.TZOFFSETFROM for o in vtimezone.standard} == {timedelta(hours=standard)}
        return
    assert {o.TZOFFSETTO for o in vtimezone.daylight} == {timedelta(hours=daylight)}
    # RFC 5545: an onset is the local time in the offset before it (TZOFFSETFROM).
    assert datetime(2027, 3, 14, 2) in [o.DTSTART for o in vtimezone.daylight]
    assert datetime(2027, 11, 7, 2) in [o.DTSTART for o in vtimezone.standard]


def vtimezone_readers(ics: bytes, zone: str) -> list[object]:
    """The VTIMEZONE read by icalendar (ignoring the TZID) and by dateutil."""
    calendar, _ = parse(ics)
    readers: list[object] = [calendar.timezones[0].to_tz(lookup_tzid=False)]
    tz = pytest.importorskip("dateutil.tz")
    readers.append(tz.tzical(io.StringIO(ics.decode())).get(zone))
    return readers


@pytest.mark.parametrize("zone", OFFSETS)
def test_vtimezone_agrees_with_zoneinfo_through_the_changes(zone: str) -> None:
    ics = invite_ics(make(utc(2027, 3, 15, 16), zone))
    nights = [utc(2027, 3, 14, 4), utc(2027, 11, 7, 3), utc(2028, 3, 12, 4), utc(2028, 11, 5, 3)]
    instants = [night + k * timedelta(minutes=30) for night in nights for k in range(24)]
    for reader in vtimezone_readers(ics, zone):
        for instant in instants:
            expected = instant.astimezone(ZoneInfo(zone))
            got = instant.astimezone(reader)  # type: ignore[arg-type]
            assert (got.replace(tzinfo=None), got.utcoffset()) == (
                expected.replace(tzinfo=None),
                expected.utcoffset(),
            ), (reader, instant)


def test_first_0130_of_the_fall_back_night() -> None:
    """01:30 EDT = 05:30 UTC keeps its TZID; its end, 01:30 EST, is the repeated hour."""
    ny = ZoneInfo("America/New_York")
    ics = invite_ics(make(utc(2027, 11, 7, 5, 30)))
    _, event = parse(ics)
    assert b"DTSTART;TZID=America/New_York:20271107T013000\r\n" in ics
    assert when(event, "DTSTART").astimezone(UTC) == utc(2027, 11, 7, 5, 30)
    assert when(event, "DTSTART").astimezone(ny).utcoffset() == timedelta(hours=-4)
    # A second 01:30 cannot be written with TZID (it would read as the first): UTC instead.
    assert b"DTEND:20271107T063000Z\r\n" in ics
    assert when(event, "DTEND").astimezone(UTC) == utc(2027, 11, 7, 6, 30)
    local_end = when(event, "DTEND").astimezone(ny)
    assert (local_end.replace(tzinfo=None), local_end.utcoffset()) == (
        datetime(2027, 11, 7, 1, 30),
        timedelta(hours=-5),
    )


def test_second_0130_of_the_fall_back_night() -> None:
    """01:30 EST = 06:30 UTC comes back as 06:30 UTC, not as the first 01:30 (05:30 UTC)."""
    ny = ZoneInfo("America/New_York")
    ics = invite_ics(make(utc(2027, 11, 7, 6, 30)))
    _, event = parse(ics)
    assert b"DTSTART:20271107T063000Z\r\n" in ics
    assert when(event, "DTSTART").astimezone(UTC) == utc(2027, 11, 7, 6, 30)
    local = when(event, "DTSTART").astimezone(ny)
    assert (local.replace(tzinfo=None), local.utcoffset()) == (
        datetime(2027, 11, 7, 1, 30),
        timedelta(hours=-5),
    )
    assert b"DTEND;TZID=America/New_York:20271107T023000\r\n" in ics
    assert when(event, "DTEND").astimezone(UTC) == utc(2027, 11, 7, 7, 30)
    calendar, _ = parse(ics)
    assert calendar.timezones[0].tz_name == "America/New_York"


def test_calendar_and_event_properties() -> None:
    ics = invite_ics(make(utc(2027, 3, 15, 15), "America/Denver"))
    calendar, event = parse(ics)
    assert calendar["VERSION"] == "2.0"
    assert "CAR T Center Finder" in str(calendar["PRODID"])
    assert calendar["METHOD"] == "REQUEST"
    assert len(calendar.timezones) == 1
    assert event["UID"] == "booking-42@cart-center-finder"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event["TRANSP"] == "OPAQUE"
    assert event["SUMMARY"] == "CAR T consultation at Dana-Farber Cancer Institute"
    assert event["LOCATION"] == make(STAMP).location
    assert event["DESCRIPTION"] == make(STAMP).description
    assert event["ORGANIZER"] == "mailto:noreply@finder.example"
    assert b"DTSTAMP:20270201T120000Z\r\n" in ics
    assert b"DTSTART;TZID=America/Denver:20270315T090000\r\n" in ics
    assert b"DTEND;TZID=America/Denver:20270315T100000\r\n" in ics


def test_uid_stays_and_sequence_is_as_given() -> None:
    booked = make(utc(2027, 3, 15, 13))
    moved = replace(booked, sequence=1, start=utc(2027, 3, 16, 13), end=utc(2027, 3, 16, 14))
    cancelled = replace(moved, sequence=2, cancelled=True)
    events = [parse(invite_ics(invite))[1] for invite in (booked, moved, cancelled)]
    assert {str(event["UID"]) for event in events} == {"booking-42@cart-center-finder"}
    assert [event["SEQUENCE"] for event in events] == [0, 1, 2]


def test_cancelled_booking() -> None:
    invite = make(utc(2027, 3, 15, 13), sequence=3, cancelled=True)
    calendar, event = parse(invite_ics(invite))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 3
    assert invite_method(invite) == "CANCEL"
    assert invite_content_type(invite) == "text/calendar; charset=utf-8; method=CANCEL"


def test_content_type_of_a_request() -> None:
    invite = make(utc(2027, 3, 15, 13))
    assert invite_method(invite) == "REQUEST"
    assert invite_content_type(invite) == INVITE_CONTENT_TYPE
    assert INVITE_CONTENT_TYPE == "text/calendar; charset=utf-8; method=REQUEST"


@pytest.mark.parametrize("field", ["start", "end", "stamp"])
def test_naive_datetimes_are_refused(field: str) -> None:
    invite = make(utc(2027, 3, 15, 13))
    naive = getattr(invite, field).replace(tzinfo=None)
    with pytest.raises(ValueError, match=field):
        invite_ics(replace(invite, **{field: naive}))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end": utc(2027, 3, 15, 13)}, "end must be after start"),
        ({"sequence": -1}, "sequence"),
        ({"timezone": "America/Nowhere"}, "time zone"),
        ({"timezone": "../etc/passwd"}, "time zone"),
        ({"organizer": "Finder <noreply@finder.example>"}, "organizer"),
        ({"organizer": "noreply@finder.example\r\nATTENDEE:x@y.z"}, "organizer"),
    ],
)
def test_invalid_invites_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        invite_ics(make(utc(2027, 3, 15, 13), **changes))


def test_organizer_may_already_be_a_mailto_uri() -> None:
    _, event = parse(invite_ics(make(utc(2027, 3, 15, 13), organizer="MAILTO:a@b.example")))
    assert event["ORGANIZER"] == "mailto:a@b.example"


def test_crlf_and_folded_lines() -> None:
    description = (
        "Téléphone : +1 617-632-3000; bring your insurance card, a list of medications, "
        "and your referral letter.\nBooking reference: B-42 — Zürich-born coordinator ✓ " * 3
    )
    ics = invite_ics(make(utc(2027, 3, 15, 13), description=description))
    assert ics.endswith(b"\r\n")
    lines = ics.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert any(line.startswith(b" ") for line in lines)  # folded
    ics.decode("utf-8")
    _, event = parse(ics)
    assert event["DESCRIPTION"] == description


def test_invite_has_no_patient_fields() -> None:
    """The caller can pass nothing about the patient: no name, no birth date."""
    assert {f.name for f in fields(Invite)} == {
        "uid",
        "sequence",
        "start",
        "end",
        "timezone",
        "summary",
        "location",
        "description",
        "organizer",
        "stamp",
        "cancelled",
        "attendee",  # the recipient's own address: the mail's To, or the provider downloading
        "published",
    }


def test_vtimezone_is_read_back_as_a_timezone_component() -> None:
    calendar, _ = parse(invite_ics(make(utc(2027, 3, 15, 13), "America/Chicago")))
    assert isinstance(calendar.timezones[0], Timezone)
    assert calendar.get_missing_tzids() == set()
