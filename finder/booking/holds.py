"""Holds: a place in a slot kept for one provider for a few minutes while they fill in the
booking form. A hold counts against the slot's capacity (see places.py) until it runs out, is
released, or becomes the provider's booking. Taking one is decided by the database as a
booking is: the slot's row is locked, then its bookings and live holds are counted.
"""

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from finder.booking import places
from finder.booking.calendar import as_closure, closures_of, load_availability
from finder.domain.bookings import SlotTaken, SlotUnavailable
from finder.domain.centers import Center
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.slots import check_bookable
from finder.storage.models import HoldRow, SlotRow

MAX_HOLD_SECONDS = 3600


class UnknownHold(DomainError):
    code = "unknown_hold"

    def __init__(self) -> None:
        super().__init__(
            "This hold is not yours or is for another slot. Book without it, or hold the slot "
            "again.",
            fields={"hold_id": "no such hold for this slot"},
        )


def check_slot_bookable(session: Session, center: Center, slot: SlotRow, now: datetime) -> None:
    """Raise why nobody could book the slot now (notice, horizon, closure, block), or return."""
    availability = load_availability(session, center)
    if availability is None:
        raise SlotUnavailable()
    closures = [as_closure(row) for row in closures_of(session, center.id)]
    check_bookable(slot.start_at, now=now, availability=availability, closures=closures)
    if slot.retired or slot.blocked:
        raise SlotUnavailable()


def provider_hold(
    session: Session, provider_id: int, slot_id: int, now: datetime, *, hold_id: str | None
) -> HoldRow | None:
    """The provider's live hold on the slot: the one named (UnknownHold if it is another
    provider's or another slot's), or any; None when it ran out or there is none."""
    if hold_id is not None:
        named = session.get(HoldRow, hold_id) if len(hold_id) <= 32 else None
        if named is None:
            return None  # released, or became a booking, or ran out and was swept
        if named.provider_id != provider_id or named.slot_id != slot_id:
            raise UnknownHold()
        return named if _utc(named.expires_at) > now else None
    return session.scalars(
        select(HoldRow)
        .where(
            HoldRow.slot_id == slot_id,
            HoldRow.provider_id == provider_id,
            HoldRow.expires_at > now,
        )
        .order_by(HoldRow.expires_at.desc())
    ).first()


def take_hold(
    session: Session,
    center: Center,
    slot: SlotRow,
    *,
    provider_id: int,
    now: datetime,
    seconds: int,
) -> HoldRow:
    """Hold a place of the slot for the provider for `seconds`, or raise SlotTaken (no place
    is free) or why nobody could book it. A provider holding it already has their hold
    renewed: one provider holds at most one place of a slot."""
    check_slot_bookable(session, center, slot, now)
    places.lock_slots(session, slot.id)
    session.execute(
        delete(HoldRow)
        .where(HoldRow.slot_id == slot.id, HoldRow.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
    expires = now + timedelta(seconds=max(1, min(seconds, MAX_HOLD_SECONDS)))
    mine = provider_hold(session, provider_id, slot.id, now, hold_id=None)
    if mine is not None:  # renewed, never shortened (a waitlist offer holds it longer)
        mine.expires_at = max(_utc(mine.expires_at), expires)
        session.flush()
        return mine
    if places.room_left(session, slot.id, now) < 1:
        raise SlotTaken()
    hold = HoldRow(
        id=secrets.token_hex(16),
        slot_id=slot.id,
        provider_id=provider_id,
        created_at=now,
        expires_at=expires,
    )
    session.add(hold)
    session.flush()
    return hold


def find_hold(session: Session, hold_id: str, *, provider_id: int | None) -> HoldRow:
    """The hold, if the caller may see it (its provider; None: anyone, e.g. an admin)."""
    found = session.get(HoldRow, hold_id) if 1 <= len(hold_id) <= 32 else None
    if found is None or (provider_id is not None and found.provider_id != provider_id):
        raise UnknownReference("No such hold.")
    return found


def release(session: Session, hold: HoldRow) -> None:
    """Give the held place back at once."""
    session.delete(hold)
    session.flush()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
