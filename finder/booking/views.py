"""Bookings and slots as the API and the pages show them; the invite a booking sends."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from finder.booking.invite import Invite
from finder.domain.bookings import CANCELLED
from finder.domain.centers import Center
from finder.storage.models import BookingRow, ReminderRow, SlotRow, UserRow

WHAT_TO_BRING = (
    "Bring photo ID, insurance cards, a list of current medicines, recent pathology and "
    "imaging reports, and a caregiver if you can."
)


def local_iso(instant: datetime, timezone: str) -> str:
    """An instant as ISO 8601 with the offset of the given zone (the API's times)."""
    return instant.astimezone(ZoneInfo(timezone)).isoformat()


def slot_json(slot: SlotRow, center: Center, held: int = 0) -> dict[str, Any]:
    """A free slot, for anyone: no patient information (`held`: its live holds)."""
    return {
        "id": slot.id,
        "start": local_iso(slot.start_at, center.timezone),
        "end": local_iso(slot.end_at, center.timezone),
        "capacity": slot.capacity,
        "remaining": max(0, slot.capacity - slot.booked - held),
    }


def staff_slot_json(slot: SlotRow, center: Center) -> dict[str, Any]:
    """A slot as the center's staff see it."""
    return {
        **slot_json(slot, center),
        "booked": slot.booked,
        "blocked": slot.blocked,
        "block_reason": slot.block_reason,
        "retired": slot.retired,
    }


def reminder_json(reminder: ReminderRow, center: Center) -> dict[str, Any]:
    """One message the booking sends: what, to whom, when it is due and how it went."""
    return {
        "id": reminder.id,
        "kind": reminder.kind,
        "recipient": reminder.recipient,
        "hours_before": reminder.hours_before,
        "due_at": local_iso(reminder.due_at, center.timezone),
        "status": reminder.status,
        "detail": reminder.detail,
        "attempts": reminder.attempts,
        "sent_at": local_iso(reminder.sent_at, center.timezone) if reminder.sent_at else None,
        "resend_of": reminder.resend_of,
    }


def booking_json(
    booking: BookingRow,
    center: Center,
    provider: UserRow | None = None,
    reminders: Sequence[ReminderRow] = (),
) -> dict[str, Any]:
    """A booking with its patient: only for the provider who made it and the center's staff."""
    body: dict[str, Any] = {
        "id": booking.id,
        "slot_id": booking.slot_id,
        "center_id": booking.center_id,
        "center_name": center.name,
        "timezone": center.timezone,
        "start": local_iso(booking.slot.start_at, center.timezone),
        "end": local_iso(booking.slot.end_at, center.timezone),
        "status": booking.status,
        "status_reason": booking.status_reason,
        "provider_timezone": booking.provider_timezone,
        "language": booking.language,
        "patient": {
            "name": booking.patient_name,
            "birth_date": booking.patient_birth_date.isoformat(),
            "email": booking.patient_email,
            "phone": booking.patient_phone,
            "timezone": booking.patient_timezone,
        },
        "indication": booking.indication,
        "product": booking.product,
        "notes": booking.notes,
        "sequence": booking.sequence,
        "created_at": booking.created_at.isoformat(),
        "updated_at": booking.updated_at.isoformat(),
        "reminders": [reminder_json(reminder, center) for reminder in reminders],
    }
    if provider is not None:
        body["provider"] = {
            "id": provider.id,
            "name": provider.name,
            "practice": provider.practice,
            "email": provider.email,
        }
    return body


def invite_for(booking: BookingRow, center: Center, *, organizer: str, now: datetime) -> Invite:
    """The calendar invite for a booking: the center, the time, no patient details."""
    address = center.address
    location = f"{center.name}, {address.street}, {address.city}, {address.state} {address.zip}"
    lines = [
        f"CAR T consultation at {center.name}.",
        f"Phone: {center.phone}" if center.phone else "",
        WHAT_TO_BRING,
        f"Booking reference: {booking.id}",
    ]
    return Invite(
        uid=booking.uid,
        sequence=booking.sequence,
        start=booking.slot.start_at,
        end=booking.slot.end_at,
        timezone=center.timezone,
        summary=f"CAR T consultation at {center.name}",
        location=location.replace(", , ", ", "),
        description="\n".join(line for line in lines if line),
        organizer=organizer,
        stamp=now,
        cancelled=booking.status == CANCELLED,
    )
