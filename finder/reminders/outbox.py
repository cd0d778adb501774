"""The reminder rows a booking owes, written in the booking's own transaction.

The `on_*` handlers act on the booking's events (finder.events), subscribed in finder.wiring.

Booking plans a confirmation and the timed reminders; rescheduling moves the pending reminders
to the new time (and plans again those already sent) and adds a notice; cancelling cancels
everything still pending and adds a notice. The caller commits, so the booking and its
messages are saved together or not at all.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finder.domain.reminders import (
    BOOKING_CANCELLED,
    BOOKING_MOVED,
    CANCELLATION,
    CANCELLED_REMINDER,
    CONFIRMATION,
    DEFAULT_HOURS_BEFORE,
    PENDING,
    REMINDER,
    RESCHEDULED,
    PlannedMessage,
    notices,
    recipients,
    timed_reminders,
)
from finder.events import BookingCancelled, BookingMade, BookingMoved
from finder.storage.models import BookingRow, CalendarRow, ReminderRow


def reminder_hours(session: Session, center_id: str) -> tuple[int, ...]:
    """The center's reminder times, or the defaults (3 days and 1 day before)."""
    row = session.get(CalendarRow, center_id)
    if row is None or row.reminder_hours is None:
        return DEFAULT_HOURS_BEFORE
    return tuple(row.reminder_hours)


def on_booked(session: Session, event: BookingMade) -> None:
    """A confirmation now and the reminders before the consultation."""
    booking, timezone, now = event.booking, event.timezone, event.now
    to = recipients(booking.patient_email)
    _add(session, booking, notices(CONFIRMATION, to=to, now=now), now)
    _add(session, booking, _timed(session, booking, timezone, to, now), now)


def on_rescheduled(session: Session, event: BookingMoved) -> None:
    """Pending reminders follow the consultation to its new time; a notice says it moved."""
    booking, timezone, now = event.booking, event.timezone, event.now
    to = recipients(booking.patient_email)
    # A row a dispatcher is sending right now is left to it; the new time gets its own row.
    pending = {
        (row.recipient, row.hours_before): row
        for row in _pending(session, booking.id)
        if row.kind == REMINDER and (row.claimed_until is None or row.claimed_until <= now)
    }
    for planned in _timed(session, booking, timezone, to, now):
        row = pending.pop((planned.recipient, planned.hours_before), None)
        if row is None:
            _add(session, booking, [planned], now)
        else:
            row.due_at = row.next_attempt_at = planned.due_at
            row.slot_id = booking.slot_id
    for row in pending.values():  # now past: the notice stands in for them
        _cancel(row, BOOKING_MOVED)
    unsent_confirmation = {
        row.recipient for row in _pending(session, booking.id) if row.kind == CONFIRMATION
    }
    # A confirmation not yet sent will show the new time; a second message would only repeat it.
    told = [person for person in to if person not in unsent_confirmation]
    _add(session, booking, notices(RESCHEDULED, to=told, now=now), now)
    session.flush()


def on_cancelled(session: Session, event: BookingCancelled) -> None:
    """Nothing pending goes out any more; a notice says the consultation is cancelled."""
    booking, now = event.booking, event.now
    session.execute(
        update(ReminderRow)
        .where(
            ReminderRow.booking_id == booking.id,
            ReminderRow.status == PENDING,
            ReminderRow.kind != CANCELLATION,
        )
        .values(status=CANCELLED_REMINDER, detail=BOOKING_CANCELLED)
        .execution_options(synchronize_session=False)
    )
    to = recipients(booking.patient_email)
    _add(session, booking, notices(CANCELLATION, to=to, now=now), now)
    session.flush()


def resend(session: Session, reminder: ReminderRow, *, now: datetime) -> ReminderRow:
    """A fresh copy of a sent or failed message, due now (staff asked; it is a new message)."""
    copy = queued(
        reminder.kind,
        reminder.recipient,
        due_at=now,
        now=now,
        booking_id=reminder.booking_id,
        slot_id=reminder.slot_id,
        hours_before=reminder.hours_before,
        referral_id=reminder.referral_id,
        referral_event_id=reminder.referral_event_id,
    )
    copy.resend_of = reminder.id
    session.add(copy)
    session.flush()
    return copy


def queued(
    kind: str,
    recipient: str,
    *,
    due_at: datetime,
    now: datetime,
    booking_id: int | None = None,
    slot_id: int | None = None,
    hours_before: int | None = None,
    referral_id: int | None = None,
    referral_event_id: int | None = None,
) -> ReminderRow:
    """A new pending row of the outbox, due at `due_at`: a booking's message or a referral's."""
    return ReminderRow(
        booking_id=booking_id,
        referral_id=referral_id,
        referral_event_id=referral_event_id,
        kind=kind,
        recipient=recipient,
        hours_before=hours_before,
        slot_id=slot_id,
        due_at=due_at,
        next_attempt_at=due_at,
        status=PENDING,
        detail="",
        attempts=0,
        claimed_by="",
        created_at=now,
    )


def reminders_of(session: Session, booking_ids: Iterable[int]) -> dict[int, list[ReminderRow]]:
    """Each booking's messages in the order they fall due."""
    ids = sorted(set(booking_ids))
    found: dict[int, list[ReminderRow]] = {booking_id: [] for booking_id in ids}
    if not ids:
        return found
    rows = session.scalars(
        select(ReminderRow)
        .where(ReminderRow.booking_id.in_(ids))
        .order_by(ReminderRow.due_at, ReminderRow.id)
    )
    for row in rows:
        if row.booking_id is not None:
            found[row.booking_id].append(row)
    return found


def _timed(
    session: Session, booking: BookingRow, timezone: str, to: Sequence[str], now: datetime
) -> list[PlannedMessage]:
    hours = reminder_hours(session, booking.center_id)
    return timed_reminders(
        booking.slot.start_at, timezone=timezone, hours_before=hours, to=to, now=now
    )


def _pending(session: Session, booking_id: int) -> list[ReminderRow]:
    return list(
        session.scalars(
            select(ReminderRow).where(
                ReminderRow.booking_id == booking_id, ReminderRow.status == PENDING
            )
        )
    )


def _cancel(row: ReminderRow, reason: str) -> None:
    row.status = CANCELLED_REMINDER
    row.detail = reason
    row.claimed_until = None


def _add(
    session: Session, booking: BookingRow, planned: Iterable[PlannedMessage], now: datetime
) -> None:
    for message in planned:
        session.add(
            queued(
                message.kind,
                message.recipient,
                due_at=message.due_at,
                now=now,
                booking_id=booking.id,
                slot_id=booking.slot_id,
                hours_before=message.hours_before,
            )
        )
