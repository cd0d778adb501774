"""The reminders' commands: staff send a booking's message again, once for every door."""

from finder.booking.bookings import find_booking
from finder.domain.accounts import Actor
from finder.domain.bookings import MAX_ID
from finder.domain.errors import UnknownReference
from finder.reminders import resending
from finder.reminders.resending import ReminderNotResendable, UnknownMessage
from finder.storage.models import ReminderRow
from finder.unit_of_work import UnitOfWork


def resend_message(
    uow: UnitOfWork,
    actor: Actor,
    booking_id: int,
    reminder_id: int | None,
    *,
    center_id: str | None = None,
) -> ReminderRow:
    """A new pending copy of a sent or failed message; a refusal keeps only its audit event."""
    booking = find_booking(uow.session, actor, booking_id) if 1 <= booking_id <= MAX_ID else None
    if booking is None or (center_id is not None and booking.center_id != center_id):
        raise UnknownReference("No such booking.")
    target = {"target_type": "booking", "target_id": booking.id, "center_id": booking.center_id}
    if reminder_id is None:
        raise UnknownMessage()
    try:
        copy = resending.resend_message(uow.session, booking, reminder_id, now=uow.now)
    except ReminderNotResendable as error:
        uow.rollback()
        uow.audit("reminder_resent", outcome=error.code, **target)
        uow.commit()
        raise
    uow.audit("reminder_resent", **target)
    uow.commit()
    return copy
