"""The centers' slots as SMART Scheduling Links publishes them: FHIR R4 Location, Schedule and
Slot resources, one NDJSON line each (https://github.com/smart-on-fhir/smart-scheduling-links).

A slot is published `free` only if this app would book it at every moment of the minute the
publication is for: its start is beyond the notice window measured from the end of the
minute, it lies within the horizon, it is neither blocked nor retired (closures retire slots),
and a place is neither booked nor held by a hold still live at the start of the minute. A slot
whose free places are all held is `busy-tentative`; every other slot is `busy`.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.booking.calendar import availability_of
from finder.booking.places import live_holds
from finder.domain.centers import Center
from finder.domain.slots import horizon_days_range
from finder.storage.models import BookingRow, CalendarRow, ClosureRow, HoldRow, SlotRow

EXTENSION = "http://fhir-registry.smarthealthit.org/StructureDefinition/"
DEEP_LINK = EXTENSION + "booking-deep-link"
BOOKING_PHONE = EXTENSION + "booking-phone"
CAPACITY = EXTENSION + "slot-capacity"
SERVICE = "CAR T cell therapy consultation"
_ID = re.compile(r"^[A-Za-z0-9.-]{1,64}$")

DeepLink = Callable[[str], str]  # center id -> its booking page's address, without a query


@dataclass(frozen=True)
class Publication:
    """The NDJSON files of one publication, each as text, and when it was made."""

    made_at: datetime
    stale_at: datetime  # the first minute some slot's status could differ (time alone)
    locations: str
    schedules: str
    slots_by_state: dict[str, str]  # state -> Slot NDJSON

    @cached_property
    def etag(self) -> str:
        """A digest of every file, computed once: every answer and every 304 carries it, and
        hashing the whole horizon's slots again on each poll would cost more than serving it."""
        digest = hashlib.sha256()
        for part in (self.locations, self.schedules, *sorted(self.slots_by_state.items())):
            digest.update(repr(part).encode())
        return digest.hexdigest()[:32]


def resource_id(center_id: str) -> str:
    """The center's id as a FHIR id (at most 64 letters, digits, '-' and '.')."""
    if _ID.match(center_id):
        return center_id
    return "c." + hashlib.sha256(center_id.encode()).hexdigest()[:40]


def fingerprint(session: Session) -> tuple[Any, ...]:
    """What every publication depends on in the database, in one query over small tables and
    indexes: it changes whenever a booking is made, cancelled or moved (the bookings' count
    and last change), a hold is taken, renewed or let go, the hours change or a slot is
    blocked (the calendars' last change), a closure is added or removed, or the horizon rolls
    on (the last slot id)."""
    row = session.execute(
        select(
            select(func.max(SlotRow.id)).scalar_subquery(),
            select(func.count(BookingRow.id)).scalar_subquery(),
            select(func.max(BookingRow.updated_at)).scalar_subquery(),
            select(func.count(HoldRow.id)).scalar_subquery(),
            select(func.max(HoldRow.created_at)).scalar_subquery(),
            select(func.max(HoldRow.expires_at)).scalar_subquery(),
            select(func.max(CalendarRow.updated_at)).scalar_subquery(),
            select(func.count(ClosureRow.id)).scalar_subquery(),
            select(func.max(ClosureRow.id)).scalar_subquery(),
        )
    ).one()
    return tuple(row)


def publish(
    session: Session, centers: Iterable[Center], *, now: datetime, deep_link: DeepLink
) -> Publication:
    """Every center with hours: its Location, its Schedule, and its slots over the horizon."""
    minute = now.replace(second=0, microsecond=0)
    end_of_minute = minute + timedelta(minutes=1)
    by_id = {center.id: center for center in centers}
    calendars = {
        row.center_id: row
        for row in session.scalars(select(CalendarRow).order_by(CalendarRow.center_id))
        if row.center_id in by_id
    }
    held = live_holds(session, minute)
    stale_at = _next_hold_expiry(session, minute)
    locations, schedules = [], []
    slots: dict[str, list[str]] = {}
    for center_id, row in calendars.items():
        center = by_id[center_id]
        availability = availability_of(row, center.timezone)
        zone = ZoneInfo(center.timezone)
        _, last_day = horizon_days_range(now.astimezone(zone).date(), availability)
        horizon_end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), zone)
        notice = timedelta(hours=availability.min_notice_hours)
        earliest_free = end_of_minute + notice
        next_midnight = datetime.combine(
            now.astimezone(zone).date() + timedelta(days=1), datetime.min.time(), zone
        )
        stale_at = min(stale_at, next_midnight.astimezone(UTC))
        link = deep_link(center_id)
        lines = slots.setdefault(center.address.state, [])
        locations.append(_line(location(center)))
        schedules.append(_line(schedule(center)))
        rows = session.execute(
            select(
                SlotRow.id,
                SlotRow.start_at,
                SlotRow.end_at,
                SlotRow.capacity,
                SlotRow.booked,
                SlotRow.blocked,
            )
            .where(
                SlotRow.center_id == center_id,
                SlotRow.retired.is_(False),
                SlotRow.start_at > now,
                SlotRow.start_at < horizon_end.astimezone(UTC),
            )
            .order_by(SlotRow.start_at, SlotRow.id)
        )
        for slot_id, start, end, capacity, booked, blocked in rows:
            start, end = _utc(start), _utc(end)
            unbooked = 0 if blocked or start < earliest_free else capacity - booked
            free = unbooked - held.get(slot_id, 0)
            status = "free" if free > 0 else "busy-tentative" if unbooked > 0 else "busy"
            if unbooked > 0:  # turns busy once the notice window reaches it
                turns = (start - notice - timedelta(minutes=1)).replace(second=0, microsecond=0)
                stale_at = min(stale_at, turns + timedelta(minutes=1))
            lines.append(
                _line(slot_resource(center, slot_id, start, end, status, free, link, zone=zone))
            )
    return Publication(
        made_at=now,
        stale_at=stale_at,
        locations="".join(locations),
        schedules="".join(schedules),
        slots_by_state={state: "".join(lines) for state, lines in sorted(slots.items())},
    )


def location(center: Center) -> dict[str, Any]:
    telecom = [{"system": "phone", "value": center.phone}] if center.phone else []
    if center.website:
        telecom.append({"system": "url", "value": center.website})
    address = center.address
    return {
        "resourceType": "Location",
        "id": resource_id(center.id),
        "identifier": [{"system": "urn:car-t-center-finder:center", "value": center.id}],
        "name": center.name,
        "telecom": telecom,
        "address": {
            "line": [address.street] if address.street else [],
            "city": address.city,
            "state": address.state,
            "postalCode": address.zip,
        },
        "position": {"latitude": center.lat, "longitude": center.lon},
    }


def schedule(center: Center) -> dict[str, Any]:
    return {
        "resourceType": "Schedule",
        "id": resource_id(center.id),
        "serviceType": [
            {
                "coding": [
                    {
                        "system": "urn:car-t-center-finder:service-type",
                        "code": "car-t-consultation",
                        "display": SERVICE,
                    }
                ],
                "text": SERVICE,
            }
        ],
        "actor": [{"reference": f"Location/{resource_id(center.id)}"}],
    }


def slot_resource(
    center: Center,
    slot_id: int,
    start: datetime,
    end: datetime,
    status: str,
    free: int,
    link: str,
    *,
    zone: ZoneInfo,
) -> dict[str, Any]:
    """A slot; `link` is the center's booking page, to which `?slot={id}` is added."""
    extension: list[dict[str, Any]] = []
    if status == "free":
        extension.append({"url": DEEP_LINK, "valueUrl": f"{link}?slot={slot_id}"})
        extension.append({"url": CAPACITY, "valueInteger": free})
    if center.phone:
        extension.append({"url": BOOKING_PHONE, "valueString": center.phone})
    resource: dict[str, Any] = {
        "resourceType": "Slot",
        "id": str(slot_id),
        "schedule": {"reference": f"Schedule/{resource_id(center.id)}"},
        "status": status,
        "start": start.astimezone(zone).isoformat(),
        "end": end.astimezone(zone).isoformat(),
    }
    if extension:
        resource["extension"] = extension
    return resource


def _next_hold_expiry(session: Session, minute: datetime) -> datetime:
    """The first minute a hold live now no longer counts (or far off when none is live)."""
    first = session.execute(
        select(func.min(HoldRow.expires_at)).where(HoldRow.expires_at > minute)
    ).scalar()
    if first is None:
        return minute + timedelta(days=1)
    first = _utc(first)
    floor = first.replace(second=0, microsecond=0)
    return floor if floor == first else floor + timedelta(minutes=1)


def lines(text: str) -> Iterator[dict[str, Any]]:
    """The resources of an NDJSON file (for tests and the command line)."""
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)


def _line(resource: dict[str, Any]) -> str:
    return json.dumps(resource, separators=(",", ":"), ensure_ascii=False) + "\n"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
