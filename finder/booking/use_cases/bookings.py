"""Booking, viewing, listing, cancelling, moving and closing consultations: each once.

A change publishes what the reminders and referrals act on, records its audit event under its
one name (who and what, never the patient), and commits. A refused change keeps nothing but
its audit event, with the refusal's code as the outcome.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import cast

from finder.booking import bookings, calendar
from finder.booking.bookings import Booked, ChangeNotAllowed, UnknownSlot
from finder.domain.accounts import Actor
from finder.domain.bookings import (
    BOOKED,
    CANCELLED,
    COMPLETED,
    MAX_ID,
    OUTCOMES,
    BookingRequest,
    SlotOfAnotherCenter,
    check_reason,
)
from finder.domain.centers import Center
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.products import ProductCatalog
from finder.domain.ranking import CenterIndex
from finder.events import BookingCancelled, BookingMade, BookingMoved, PlaceFreed
from finder.storage.models import BookingRow, SlotRow
from finder.unit_of_work import UnitOfWork


def _audit(uow: UnitOfWork, action: str, booking: BookingRow, **outcome: str) -> None:
    uow.audit(
        action,
        target_type="booking",
        target_id=booking.id,
        center_id=booking.center_id,
        **outcome,
    )


def find_booking(
    uow: UnitOfWork, actor: Actor, booking_id: int | None, *, center_id: str | None = None
) -> BookingRow:
    """The booking if the actor may see it (and it is the center's, when one is named)."""
    if booking_id is None or not 1 <= booking_id <= MAX_ID:
        raise UnknownReference("No such booking.")
    found = bookings.find_booking(uow.session, actor, booking_id)
    if center_id is not None and found.center_id != center_id:
        raise UnknownReference("No such booking.")
    return found


@contextmanager
def _refusal_audited(uow: UnitOfWork, action: str, booking: BookingRow) -> Iterator[None]:
    """On a refusal nothing is kept but the audit event saying what was refused and why."""
    target = {"target_id": booking.id, "center_id": booking.center_id}
    try:
        yield
    except DomainError as error:
        uow.rollback()
        uow.audit(action, target_type="booking", outcome=error.code, **target)
        uow.commit()
        raise


def _changeable(
    uow: UnitOfWork, actor: Actor, booking_id: int, to: str, center_id: str | None
) -> BookingRow:
    booking = find_booking(uow, actor, booking_id, center_id=center_id)
    if not bookings.may_change(actor, booking, to=to):
        raise ChangeNotAllowed()
    return booking


def book_consultation(
    uow: UnitOfWork,
    actor: Actor,
    request: BookingRequest,
    *,
    centers: CenterIndex,
    products: ProductCatalog,
    center_id: str | None = None,
    idempotency_key: str | None = None,
    fingerprint: str = "",
    hold_id: str | None = None,
) -> Booked:
    """Book the request's slot for the provider; a replayed request returns the first booking.
    The provider's hold on the slot, if any, becomes the booking."""
    if center_id is not None:
        slot = uow.session.get(SlotRow, request.slot_id)
        if slot is not None and slot.center_id != center_id:
            raise SlotOfAnotherCenter()
    booked = bookings.book(
        uow.session,
        request,
        provider_id=actor.user_id,
        centers=centers,
        products=products,
        now=uow.now,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        hold_id=hold_id,
    )
    if not booked.replayed:
        booking = booked.booking
        timezone = centers.get(booking.center_id).timezone
        uow.publish(BookingMade(booking, timezone=timezone, now=uow.now))
        _audit(uow, "booking_created", booking)
    uow.commit()
    return booked


def view_booking(
    uow: UnitOfWork, actor: Actor, booking_id: int | None, *, center_id: str | None = None
) -> BookingRow:
    """One booking with its patient; reading it is audited."""
    booking = find_booking(uow, actor, booking_id, center_id=center_id)
    _audit(uow, "booking_viewed", booking)
    uow.commit()
    return booking


def download_invite(uow: UnitOfWork, actor: Actor, booking_id: int | None) -> BookingRow:
    """The booking whose calendar invite is downloaded; the download is audited."""
    booking = find_booking(uow, actor, booking_id)
    _audit(uow, "booking_invite_downloaded", booking)
    uow.commit()
    return booking


def list_bookings(
    uow: UnitOfWork,
    actor: Actor,
    *,
    first: date | None = None,
    last: date | None = None,
    status: str | None = None,
    own: bool = False,
    limit: int = 1000,
) -> list[BookingRow]:
    """The bookings the actor may see (only their own if `own`), earliest first."""
    query = bookings.visible_bookings(actor).order_by(SlotRow.start_at, BookingRow.id)
    if own:
        query = query.where(BookingRow.provider_id == actor.user_id)
    if first is not None:
        query = query.where(SlotRow.start_at >= _utc_midnight(first))
    if last is not None:
        query = query.where(SlotRow.start_at < _utc_midnight(last + timedelta(days=1)))
    if status:
        query = query.where(BookingRow.status == status)
    rows = cast(list[BookingRow], list(uow.session.scalars(query.limit(limit))))
    uow.audit("bookings_listed", target_type="booking")
    uow.commit()
    return rows


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def list_center_bookings(
    uow: UnitOfWork,
    actor: Actor,
    center: Center,
    *,
    first: date,
    last: date,
    status: str | None = None,
) -> list[BookingRow]:
    """The center's bookings whose consultation falls on the center's local dates given."""
    if not actor.reaches_center(center.id):
        raise ChangeNotAllowed()
    start, end = calendar.local_day_bounds(first, last, center.timezone)
    rows = calendar.bookings_between(uow.session, center.id, start, end)
    if status:
        rows = [row for row in rows if row.status == status]
    uow.audit("bookings_listed", target_type="center", target_id=center.id, center_id=center.id)
    uow.commit()
    return rows


def cancel_booking(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: int | None,
    *,
    reason: object,
    center_id: str | None = None,
) -> BookingRow:
    """Cancel before the consultation starts. The center's side always gives a reason (the
    provider is told it); the referring provider may cancel their own without one."""
    booking = _changeable(uow, actor, booking_id or 0, CANCELLED, center_id)
    with _refusal_audited(uow, "booking_cancelled", booking):
        said = check_reason(reason, required=booking.provider_id != actor.user_id)
        bookings.cancel(uow.session, booking, reason=said, now=uow.now)
        uow.publish(BookingCancelled(booking, now=uow.now))
        uow.publish(PlaceFreed(booking.center_id, (booking.slot_id,), now=uow.now))
        _audit(uow, "booking_cancelled", booking)
        uow.commit()
    return booking


def reschedule_booking(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: int | None,
    *,
    slot_id: int | None,
    centers: CenterIndex,
    center_id: str | None = None,
) -> BookingRow:
    """Move the booking to another free slot of its center; the old slot is freed at once."""
    booking = _changeable(uow, actor, booking_id or 0, BOOKED, center_id)
    with _refusal_audited(uow, "booking_rescheduled", booking):
        if slot_id is None:
            raise UnknownSlot()
        left = booking.slot_id
        bookings.reschedule(uow.session, booking, slot_id=slot_id, now=uow.now, centers=centers)
        timezone = centers.get(booking.center_id).timezone
        uow.publish(BookingMoved(booking, timezone=timezone, now=uow.now))
        uow.publish(PlaceFreed(booking.center_id, (left,), now=uow.now))
        _audit(uow, "booking_rescheduled", booking)
        uow.commit()
    return booking


def record_booking_outcome(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: int | None,
    *,
    outcome: str,
    center_id: str | None = None,
) -> BookingRow:
    """Record a consultation whose time has come as completed or no-show (the center's staff)."""
    to = outcome if outcome in OUTCOMES else COMPLETED
    booking = _changeable(uow, actor, booking_id or 0, to, center_id)
    with _refusal_audited(uow, "booking_outcome", booking):
        bookings.record_outcome(uow.session, booking, outcome=outcome, now=uow.now)
        _audit(uow, "booking_outcome", booking)
        uow.commit()
    return booking
