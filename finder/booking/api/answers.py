"""What the booking API's operations share: the caller, the center, the dates asked for, and
a booking as it is answered (with its messages, never audited here)."""

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from finder.booking.calendar import Displaced
from finder.booking.schemas import BOOKING_SCHEMAS
from finder.booking.views import booking_json, local_iso
from finder.domain.accounts import Actor
from finder.domain.centers import Center
from finder.domain.errors import UnknownReference
from finder.extensions import current_catalog
from finder.reminders.outbox import reminders_of
from finder.storage import db
from finder.storage.models import BookingRow, ReminderRow, UserRow
from finder.web.api import operations
from finder.web.auth import current_actor, now
from finder.web.errors import BadRequest
from finder.web.ids import record_id
from finder.web.openapi import SCHEMAS
from finder.web.params import Param

__all__ = ["operations"]

SCHEMAS.update(BOOKING_SCHEMAS)

MAX_RANGE_DAYS = 92
CENTER = {"center_id": "dana-farber-boston"}
BOOKING = {"booking_id": "1"}
DATES = (
    Param("from", kind="date", description="First local date (default: today at the center)."),
    Param("to", kind="date", description=f"Last local date, at most {MAX_RANGE_DAYS} days on."),
)


def actor() -> Actor:
    found = current_actor()
    assert found is not None  # noqa: S101 - the access rule guarantees it
    return found


def center_of(center_id: str) -> Center:
    return current_catalog().centers.get(center_id)


def date_range(values: dict[str, Any], center: Center, default_days: int) -> tuple[date, date]:
    today = now().astimezone(ZoneInfo(center.timezone)).date()
    first = values["from"] or today
    last = values["to"] or first + timedelta(days=default_days)
    if last < first:
        raise BadRequest(
            "`to` must not be before `from`.", fields={"to": "before from"}, status=422
        )
    if (last - first).days > MAX_RANGE_DAYS:
        raise BadRequest(
            f"Ask for at most {MAX_RANGE_DAYS} days at a time.",
            fields={"to": "range too long"},
            status=422,
        )
    return first, last


def path_id(raw: str, what: str) -> int:
    """A path's record id; anything that cannot be one is simply not found."""
    number = record_id(raw)
    if number is None:
        raise UnknownReference(f"No such {what}.")
    return number


def displaced_json(found: list[Displaced], center: Center) -> list[dict[str, Any]]:
    return [
        {
            "booking_id": item.booking.id,
            "start": local_iso(item.booking.slot.start_at, center.timezone),
            "reason": item.reason,
            "detail": item.detail,
        }
        for item in found
    ]


def booking_answer(
    booking: BookingRow, reminders: list[ReminderRow] | None = None
) -> dict[str, Any]:
    """The booking's JSON; a list passes each booking's messages, read for all in one query."""
    session = db.session()
    provider = session.get(UserRow, booking.provider_id)
    if reminders is None:
        reminders = reminders_of(session, [booking.id])[booking.id]
    return booking_json(booking, center_of(booking.center_id), provider, reminders)


def bookings_answer(rows: list[BookingRow]) -> list[dict[str, Any]]:
    messages = reminders_of(db.session(), [row.id for row in rows])
    return [booking_answer(row, messages[row.id]) for row in rows]
