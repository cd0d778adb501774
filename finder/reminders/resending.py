"""Staff's "send again": a new copy of a message that went out or failed, due now.

Only a message that was sent or that failed can be sent again: a pending one is still queued, a
cancelled one was withdrawn on purpose. A copy already waiting, or a message the dispatcher
would skip now (the booking cancelled, moved or past), is refused as well.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from finder.domain.errors import DomainError, UnknownReference
from finder.domain.reminders import CANCELLED_REMINDER, FAILED, PENDING, SENT, skip_reason
from finder.reminders.outbox import reminders_of, resend
from finder.storage.models import BookingRow, ReminderRow

RESENDABLE = (SENT, FAILED)
COPY_WAITING = "copy waiting"

# Why a message cannot be sent again, for the API's message; pages say it in their own words.
_EXPLAINED = {
    PENDING: "it is still waiting to be sent",
    CANCELLED_REMINDER: "it was cancelled",
    COPY_WAITING: "a copy is already waiting to be sent",
}


class UnknownMessage(UnknownReference):
    def __init__(self) -> None:
        super().__init__("No such message for this booking.")


class ReminderNotResendable(DomainError):
    code = "reminder_not_resendable"

    def __init__(self, why: str) -> None:
        super().__init__(f"This message cannot be sent again: {_EXPLAINED.get(why, why)}.")
        self.why = why


def resend_refusal(
    booking: BookingRow, reminder: ReminderRow, messages: Sequence[ReminderRow], now: datetime
) -> str | None:
    """Why the message may not be sent again now (a status, COPY_WAITING or a skip reason)."""
    if reminder.status not in RESENDABLE:
        return reminder.status
    if any(row.resend_of == reminder.id and row.status == PENDING for row in messages):
        return COPY_WAITING
    return skip_reason(
        reminder.kind,
        booking_status=booking.status,
        booking_slot_id=booking.slot_id,
        planned_slot_id=reminder.slot_id or 0,  # a booking's message always names its slot
        start_at=booking.slot.start_at,
        now=now,
    )


def resend_message(
    session: Session, booking: BookingRow, reminder_id: int, *, now: datetime
) -> ReminderRow:
    """The new pending copy of one of the booking's messages; the caller commits."""
    messages = reminders_of(session, [booking.id])[booking.id]
    reminder = next((row for row in messages if row.id == reminder_id), None)
    if reminder is None:
        raise UnknownMessage()
    if (why := resend_refusal(booking, reminder, messages, now)) is not None:
        raise ReminderNotResendable(why)
    return resend(session, reminder, now=now)
