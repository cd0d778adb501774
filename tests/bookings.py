"""Booking, cancelling, moving and recording consultations in tests, through the use cases and
a unit of work from the wiring, as the scheduler and the command line do: the reminders and the
referral are written with the booking. Keyword arguments as the records take them."""

from datetime import datetime

from sqlalchemy.orm import Session

from finder import wiring
from finder.booking import use_cases
from finder.booking.bookings import Booked
from finder.domain.accounts import Actor, Role
from finder.domain.bookings import BookingRequest
from finder.domain.products import ProductCatalog
from finder.domain.ranking import CenterIndex
from finder.storage.models import BookingRow

ADMIN = Actor(0, Role.ADMIN)


def provider(user_id: int) -> Actor:
    return Actor(user_id, Role.PROVIDER)


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
) -> Booked:
    uow = wiring.unit_of_work(session, now=now)
    try:
        return use_cases.book_consultation(
            uow,
            provider(provider_id),
            request,
            centers=centers,
            products=products,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
        )
    except BaseException:
        uow.rollback()
        raise


def cancel(session: Session, booking: BookingRow, *, reason: str, now: datetime) -> BookingRow:
    """Cancelled by the booking's provider (who may give no reason)."""
    uow = wiring.unit_of_work(session, now=now)
    try:
        return use_cases.cancel_booking(
            uow, provider(booking.provider_id), booking.id, reason=reason
        )
    except BaseException:
        uow.rollback()
        raise


def reschedule(
    session: Session, booking: BookingRow, *, slot_id: int, now: datetime, centers: CenterIndex
) -> BookingRow:
    """Moved by the booking's provider."""
    uow = wiring.unit_of_work(session, now=now)
    try:
        return use_cases.reschedule_booking(
            uow, provider(booking.provider_id), booking.id, slot_id=slot_id, centers=centers
        )
    except BaseException:
        uow.rollback()
        raise


def record_outcome(
    session: Session, booking: BookingRow, *, outcome: str, now: datetime
) -> BookingRow:
    """Recorded by an administrator."""
    uow = wiring.unit_of_work(session, now=now)
    try:
        return use_cases.record_booking_outcome(uow, ADMIN, booking.id, outcome=outcome)
    except BaseException:
        uow.rollback()
        raise
