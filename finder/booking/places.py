"""The places of a slot: its capacity, less its bookings, less the holds that have not run out.

A place is taken only after the slot's row is locked (FOR NO KEY UPDATE on PostgreSQL; on
SQLite the write transaction is BEGIN IMMEDIATE, so writers take turns). Every statement after
the lock reads what committed before it, so counting the live holds in the next statement sees
every hold and booking of a transaction that held the lock before: a hold and a booking are
decided by the database, in one order, on both engines. An expired hold needs no sweeping: it
stops counting the moment it expires.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from finder.storage.models import HoldRow, SlotRow


def held(now: datetime, *, excluding: str | None = None) -> Any:
    """The live holds on the slot row of the enclosing query (a correlated count)."""
    query = select(func.count(HoldRow.id)).where(
        HoldRow.slot_id == SlotRow.id, HoldRow.expires_at > now
    )
    if excluding is not None:
        query = query.where(HoldRow.id != excluding)
    return query.correlate(SlotRow).scalar_subquery()


def has_room(now: datetime, *, excluding: str | None = None) -> ColumnElement[bool]:
    """The slot row has a place neither booked nor held (the hold `excluding` aside)."""
    room: ColumnElement[bool] = SlotRow.booked + held(now, excluding=excluding) < SlotRow.capacity
    return room


def open_for_booking(now: datetime) -> list[ColumnElement[bool]]:
    return [SlotRow.blocked.is_(False), SlotRow.retired.is_(False), has_room(now)]


def lock_slots(session: Session, *slot_ids: int) -> None:
    """Lock the slots in id order (PostgreSQL), so crossing moves wait instead of deadlocking.

    FOR NO KEY UPDATE, the lock an UPDATE of the slot takes anyway: it leaves the key-share
    locks of bookings pointing at the slot alone.
    """
    session.execute(
        select(SlotRow.id)
        .where(SlotRow.id.in_(sorted(slot_ids)))
        .order_by(SlotRow.id)
        .with_for_update(key_share=True)
    ).all()


def take(session: Session, slot_id: int, now: datetime, *, hold_id: str | None = None) -> bool:
    """Count one more booking on the slot if a place is free (the hold `hold_id` becoming
    this booking counts as free). The slot must be locked first (`lock_slots`)."""
    taken = session.execute(
        update(SlotRow)
        .where(
            SlotRow.id == slot_id,
            SlotRow.blocked.is_(False),
            SlotRow.retired.is_(False),
            has_room(now, excluding=hold_id),
        )
        .values(booked=SlotRow.booked + 1)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return bool(taken == 1)


def room_left(session: Session, slot_id: int, now: datetime) -> int:
    """Places of the slot neither booked nor held, as the database has them now."""
    found = session.execute(
        select(SlotRow.capacity - SlotRow.booked - held(now)).where(SlotRow.id == slot_id)
    ).scalar()
    return max(0, int(found or 0))


def live_holds(
    session: Session, now: datetime, slot_ids: list[int] | None = None
) -> dict[int, int]:
    """How many live holds each slot has (absent: none); of these slots, or of every slot."""
    query = select(HoldRow.slot_id, func.count(HoldRow.id)).where(HoldRow.expires_at > now)
    if slot_ids is not None:
        if not slot_ids:
            return {}
        query = query.where(HoldRow.slot_id.in_(slot_ids))
    rows = session.execute(query.group_by(HoldRow.slot_id)).all()
    return {slot_id: int(count) for slot_id, count in rows}
