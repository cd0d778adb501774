"""Booking, cancelling and rescheduling consultations.

Whether a slot still has room is decided by the database, not by a check followed by an
insert: a booking is a conditional `UPDATE slots SET booked = booked + 1 WHERE id = :slot AND
booked < capacity AND NOT blocked AND NOT retired`, and only the transaction whose update
touched the row goes on to insert the booking. On PostgreSQL the update takes the row lock and
re-reads the row once a concurrent booking commits; on SQLite the write transaction is
BEGIN IMMEDIATE, so writers take turns. Transactions that touch two slots lock them in id order
so two crossing reschedules cannot deadlock.

Every function works in the caller's transaction: the use cases (finder.booking.use_cases)
publish what happened, audit it and commit, or roll back on error.
"""

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from finder.booking import holds, places
from finder.domain.accounts import Actor, Role
from finder.domain.bookings import (
    BOOKED,
    CANCELLED,
    MAX_ID,
    OUTCOMES,
    BookingNotChangeable,
    BookingRequest,
    IdempotencyKeyReused,
    InvalidBooking,
    SlotOfAnotherCenter,
    SlotTaken,
    SlotUnavailable,
    check_change,
    check_offered,
    check_reason,
)
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.products import ProductCatalog
from finder.domain.ranking import CenterIndex
from finder.storage.models import BookingRow, IdempotencyKeyRow, SlotRow
from finder.storage.tenancy import visible_to

UID_DOMAIN = "cart-center-finder"
MAX_KEY_LENGTH = 200
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces


class ChangeNotAllowed(DomainError):
    code = "forbidden"

    def __init__(self) -> None:
        super().__init__("Your role may not make this change.")


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"

    def __init__(self) -> None:
        super().__init__(
            "The Idempotency-Key header must be 1 to 200 printable ASCII characters.",
            fields={"Idempotency-Key": "invalid"},
        )


class UnknownSlot(DomainError):
    code = "unknown_slot"

    def __init__(self) -> None:
        super().__init__(
            "This slot does not exist or is no longer offered (the center may have changed its "
            "hours or closed that day). Pick another slot.",
            fields={"slot_id": "no such slot"},
        )


@dataclass(frozen=True)
class Booked:
    booking: BookingRow
    replayed: bool  # True when an earlier request with the same Idempotency-Key made it


def request_fingerprint(body: Mapping[str, Any]) -> str:
    """What makes two requests with one Idempotency-Key the same request."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not _KEY.match(key):
        raise InvalidIdempotencyKey()
    return key


def book(
    session: Session,
    request: BookingRequest,
    *,
    provider_id: int,
    centers: CenterIndex,
    products: ProductCatalog,
    now: datetime,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    hold_id: str | None = None,
) -> Booked:
    """Book the request's slot for the provider, or raise why not (nothing is changed then).

    The provider's live hold on the slot (the one named, or any) becomes the booking: its place
    is theirs. A hold of another provider or slot is refused; one that ran out is no help, and
    the booking takes a free place if there is one."""
    key_row = None
    if idempotency_key is not None:
        earlier = _claim_key(session, provider_id, idempotency_key, fingerprint, now)
        if isinstance(earlier, BookingRow):
            return Booked(earlier, replayed=True)
        key_row = earlier
    slot = session.get(SlotRow, request.slot_id)
    if slot is None:
        raise UnknownSlot()
    center = centers.get(slot.center_id)
    today = now.astimezone(ZoneInfo(center.timezone)).date()
    check_offered(request, center, products, today=today)
    holds.check_slot_bookable(session, center, slot, now)
    places.lock_slots(session, slot.id)
    hold = holds.provider_hold(session, provider_id, slot.id, now, hold_id=hold_id)
    _take(session, slot.id, now, hold_id=hold.id if hold is not None else None)
    if hold is not None:
        session.delete(hold)
    booking = BookingRow(
        uid=f"{uuid.uuid4()}@{UID_DOMAIN}",
        slot_id=slot.id,
        center_id=center.id,
        provider_id=provider_id,
        status=BOOKED,
        patient_name=request.patient.name,
        patient_birth_date=request.patient.birth_date,
        patient_email=request.patient.email,
        patient_phone=request.patient.phone,
        indication=request.indication,
        product=request.product,
        notes=request.notes,
        provider_timezone=request.provider_timezone,
        patient_timezone=request.patient.timezone,
        language=request.language or "en",
        sequence=0,
        created_at=now,
        updated_at=now,
        status_reason="",
    )
    session.add(booking)
    session.flush()
    if key_row is not None:
        key_row.booking_id = booking.id
    session.flush()
    return Booked(booking, replayed=False)


def _claim_key(
    session: Session, user_id: int, key: str, fingerprint: str, now: datetime
) -> BookingRow | IdempotencyKeyRow:
    """The booking an earlier request with this key made, or the key claimed for this one.

    The key row is inserted before the slot is touched: a concurrent request with the same
    key waits on the unique key until this transaction ends, then finds its booking.
    """
    found = session.get(IdempotencyKeyRow, (user_id, key))
    if found is None:
        row = IdempotencyKeyRow(
            user_id=user_id, key=key, request_hash=fingerprint, booking_id=None, created_at=now
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
            return row
        except IntegrityError:
            found = session.scalars(
                select(IdempotencyKeyRow)
                .where(IdempotencyKeyRow.user_id == user_id, IdempotencyKeyRow.key == key)
                .execution_options(populate_existing=True)
            ).first()
            if found is None:  # pragma: no cover - the other request's key vanished
                raise
    if found.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    if found.booking_id is None:  # pragma: no cover - key and booking commit together
        raise SlotTaken()
    booking = session.get(BookingRow, found.booking_id)
    assert booking is not None  # noqa: S101 - a foreign key
    return booking


def _take(session: Session, slot_id: int, now: datetime, *, hold_id: str | None = None) -> None:
    """Count one more booking on the locked slot if it has room: the database decides."""
    if not places.take(session, slot_id, now, hold_id=hold_id):
        slot = session.get(SlotRow, slot_id, populate_existing=True)
        if slot is not None and (slot.blocked or slot.retired):
            raise SlotUnavailable()
        raise SlotTaken()


def _release(session: Session, slot_id: int) -> None:
    session.execute(
        update(SlotRow)
        .where(SlotRow.id == slot_id, SlotRow.booked > 0)
        .values(booked=SlotRow.booked - 1)
        .execution_options(synchronize_session=False)
    )


def _move_status(
    session: Session, booking: BookingRow, to: str, reason: str, now: datetime
) -> None:
    """Change the status if nobody changed the booking meanwhile (a conditional update)."""
    changed = session.execute(
        update(BookingRow)
        .where(
            BookingRow.id == booking.id,
            BookingRow.status == BOOKED,
            BookingRow.slot_id == booking.slot_id,
        )
        .values(
            status=to,
            status_reason=reason,
            sequence=BookingRow.sequence + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        raise BookingNotChangeable("This booking was changed meanwhile. Reload it and try again.")


def cancel(session: Session, booking: BookingRow, *, reason: str, now: datetime) -> BookingRow:
    """Cancel a booked consultation before it starts; its place in the slot is freed. The
    reason goes into the cancellation messages: one short line (InvalidBooking otherwise)."""
    reason = check_reason(reason)
    check_change(booking.status, started=booking.slot.start_at <= now, to=CANCELLED)
    _move_status(session, booking, CANCELLED, reason, now)
    _release(session, booking.slot_id)
    session.flush()
    session.refresh(booking)
    return booking


def record_outcome(
    session: Session, booking: BookingRow, *, outcome: str, now: datetime
) -> BookingRow:
    """Mark a consultation whose time has come as completed or no-show (staff)."""
    if outcome not in OUTCOMES:
        raise InvalidBooking(
            "The outcome must be completed or no_show.", fields={"status": "not allowed"}
        )
    check_change(booking.status, started=booking.slot.start_at <= now, to=outcome)
    _move_status(session, booking, outcome, "", now)
    session.flush()
    session.refresh(booking)
    return booking


def reschedule(
    session: Session, booking: BookingRow, *, slot_id: int, now: datetime, centers: CenterIndex
) -> BookingRow:
    """Move the booking to another free slot of its center; the old slot is freed at once."""
    check_change(booking.status, started=booking.slot.start_at <= now, to=BOOKED)
    target = session.get(SlotRow, slot_id) if 1 <= slot_id <= MAX_ID else None
    if target is None:
        raise UnknownSlot()
    if target.center_id != booking.center_id:
        raise SlotOfAnotherCenter()
    if target.id == booking.slot_id:
        raise BookingNotChangeable("The booking is already in this slot.")
    center = centers.get(booking.center_id)
    holds.check_slot_bookable(session, center, target, now)
    old_slot_id = booking.slot_id
    # Both slots first, in id order, then the booking: the booking's new foreign key takes a
    # key-share lock on the target slot, so taking the slot lock after it could deadlock.
    places.lock_slots(session, old_slot_id, target.id)
    changed = session.execute(
        update(BookingRow)
        .where(
            BookingRow.id == booking.id,
            BookingRow.status == BOOKED,
            BookingRow.slot_id == old_slot_id,
        )
        .values(slot_id=target.id, sequence=BookingRow.sequence + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        raise BookingNotChangeable("This booking was changed meanwhile. Reload it and try again.")
    _take(session, target.id, now)
    _release(session, old_slot_id)
    session.flush()
    session.refresh(booking)
    session.refresh(booking.slot)
    return booking


def visible_bookings(actor: Actor) -> Select[BookingRow]:
    """The bookings this actor may see: a provider their own, staff their centers', admin all."""
    tenants = visible_to(actor, provider_id=BookingRow.provider_id, center_id=BookingRow.center_id)
    return select(BookingRow).join(SlotRow, BookingRow.slot_id == SlotRow.id).where(tenants)


def find_booking(session: Session, actor: Actor, booking_id: int) -> BookingRow:
    """The booking if the actor may see it; otherwise the same answer as for no booking."""
    found = session.scalars(visible_bookings(actor).where(BookingRow.id == booking_id)).first()
    if found is None:
        raise UnknownReference("No such booking.")
    return found


def may_change(actor: Actor, booking: BookingRow, *, to: str) -> bool:
    """Providers cancel and reschedule their own; staff of the center also record outcomes."""
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.STAFF:
        return actor.reaches_center(booking.center_id)
    return booking.provider_id == actor.user_id and to not in OUTCOMES
