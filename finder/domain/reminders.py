"""What a booking sends, to whom and when: confirmations, notices and timed reminders.

A reminder "3 days before" a 09:00 consultation is due at 09:00 three days earlier on the
center's wall clock, so a change of clocks in between does not move it to 08:00 or 10:00.
Every due time here is a UTC instant; the rows that carry them are the outbox the dispatcher
drains.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from finder.domain.bookings import BOOKED, CANCELLED
from finder.domain.errors import DomainError

CONFIRMATION = "confirmation"
REMINDER = "reminder"
RESCHEDULED = "rescheduled"
CANCELLATION = "cancellation"
KINDS = (CONFIRMATION, REMINDER, RESCHEDULED, CANCELLATION)

PROVIDER = "provider"
PATIENT = "patient"

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
CANCELLED_REMINDER = "cancelled"
STATUSES = (PENDING, SENT, FAILED, CANCELLED_REMINDER)

DEFAULT_HOURS_BEFORE = (72, 24)
MAX_REMINDERS = 4
MAX_HOURS_BEFORE = 14 * 24

# Retries after a temporary failure wait 1, 5, 15 and 30 minutes: five tries in all.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

# Why a reminder row was not sent.
BOOKING_CANCELLED = "booking cancelled"
BOOKING_MOVED = "consultation moved"
CONSULTATION_STARTED = "consultation already started"
BOOKING_CLOSED = "consultation already took place"


class InvalidReminderHours(DomainError):
    code = "invalid_availability"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"reminder_hours": "invalid"})


@dataclass(frozen=True)
class PlannedMessage:
    """One message a booking event asks for: its kind, its recipient and when it is due."""

    kind: str
    recipient: str
    due_at: datetime
    hours_before: int | None = None


def check_reminder_hours(values: Iterable[object]) -> tuple[int, ...]:
    """Hours before the consultation, largest first: at most four, each 1 to 336, no repeats."""
    hours: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidReminderHours("Reminder times are whole numbers of hours.")
        if not 1 <= value <= MAX_HOURS_BEFORE:
            raise InvalidReminderHours(
                f"A reminder is sent 1 to {MAX_HOURS_BEFORE} hours (14 days) before."
            )
        hours.append(value)
    if len(hours) > MAX_REMINDERS:
        raise InvalidReminderHours(f"At most {MAX_REMINDERS} reminders per consultation.")
    if len(set(hours)) != len(hours):
        raise InvalidReminderHours("Each reminder time may be given once.")
    return tuple(sorted(hours, reverse=True))


def recipients(patient_email: str) -> tuple[str, ...]:
    """The provider always; the patient when they gave an email."""
    return (PROVIDER, PATIENT) if patient_email else (PROVIDER,)


def reminder_due_at(start_at: datetime, hours_before: int, timezone: str) -> datetime:
    """The instant `hours_before` ahead of the start on the center's wall clock."""
    zone = ZoneInfo(timezone)
    wall = start_at.astimezone(zone).replace(tzinfo=None) - timedelta(hours=hours_before)
    # A wall time the clocks skip (02:30 on a spring-forward night) resolves to the instant an
    # hour later; a repeated one to its first occurrence. Both are within the hour asked for.
    return wall.replace(tzinfo=zone).astimezone(UTC)


def timed_reminders(
    start_at: datetime,
    *,
    timezone: str,
    hours_before: Sequence[int],
    to: Sequence[str],
    now: datetime,
) -> list[PlannedMessage]:
    """The reminders still ahead: one already past is left out (the confirmation covers it)."""
    planned: list[PlannedMessage] = []
    for hours in hours_before:
        due = reminder_due_at(start_at, hours, timezone)
        if due > now:
            planned.extend(PlannedMessage(REMINDER, person, due, hours) for person in to)
    return planned


def notices(kind: str, *, to: Sequence[str], now: datetime) -> list[PlannedMessage]:
    """A confirmation, reschedule or cancellation notice: due at once."""
    return [PlannedMessage(kind, person, now) for person in to]


def skip_reason(
    kind: str,
    *,
    booking_status: str,
    booking_slot_id: int,
    planned_slot_id: int,
    start_at: datetime,
    now: datetime,
) -> str | None:
    """Why a message due now should not go out after all, read against the booking as it is."""
    if kind == CANCELLATION:
        return None if booking_status == CANCELLED else BOOKING_CLOSED
    if booking_status == CANCELLED:
        return BOOKING_CANCELLED
    if booking_status != BOOKED:
        return BOOKING_CLOSED
    if kind == REMINDER and booking_slot_id != planned_slot_id:
        return BOOKING_MOVED
    if start_at <= now:
        return CONSULTATION_STARTED
    return None


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` temporary failures; None once the tries are used up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def parse_reminder_hours_text(text: str) -> tuple[int, ...]:
    """Reminder times as staff type them, "72, 24" (commas or spaces between); "" for none."""
    values: list[int] = []
    for part in text.replace(",", " ").split():
        if not (part.isascii() and part.isdigit()) or len(part) > 6:
            raise InvalidReminderHours("Reminder times are whole numbers of hours.")
        values.append(int(part))
    return check_reminder_hours(values)
