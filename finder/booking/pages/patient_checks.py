"""What the booking form knows before it books: the patient of the referral it was opened
from, and the patient's other consultations that day (asked about, never refused).

A referral's patient is read from its row, for the provider who made it only; nothing about
the patient travels in the URL but the referral's id."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.booking import calendar
from finder.domain.accounts import Actor
from finder.domain.bookings import BOOKED, BookingRequest
from finder.domain.person_names import same_name
from finder.storage.models import BookingRow, IdempotencyKeyRow, ReferralRow, SlotRow
from finder.web.ids import record_id


def referral_patient(
    session: Session, text: str | None, *, actor: Actor, center_id: str
) -> dict[str, str]:
    """The form's values for the patient of the caller's referral `text` to this center;
    nothing for another provider's referral, another center's, or an id that is not one."""
    referral_id = record_id(text)
    if referral_id is None:
        return {}
    row = session.get(ReferralRow, referral_id)
    if row is None or row.provider_id != actor.user_id or row.center_id != center_id:
        return {}
    return {
        "patient_name": row.patient_name,
        "patient_birth_date": row.patient_birth_date.isoformat(),
        "patient_email": row.patient_email,
        "patient_phone": row.patient_phone,
        "indication": row.indication,
        "product": row.product or "",
    }


def same_day_bookings(
    session: Session, wanted: BookingRequest, *, actor: Actor, timezone: str, key: str | None
) -> list[BookingRow]:
    """The caller's booked consultations for this patient (name as people write it, and birth
    date) on the local day of the wanted slot, at any center. A form sent again (its key used
    already) is the use case's to answer: nothing."""
    slot = session.get(SlotRow, wanted.slot_id)
    if slot is None or (key and session.get(IdempotencyKeyRow, (actor.user_id, key))):
        return []
    day = slot.start_at.astimezone(ZoneInfo(timezone)).date()
    start, end = calendar.local_day_bounds(day, day, timezone)
    found = session.scalars(
        select(BookingRow)
        .join(SlotRow, SlotRow.id == BookingRow.slot_id)
        .where(
            BookingRow.provider_id == actor.user_id,
            BookingRow.status == BOOKED,
            BookingRow.patient_birth_date == wanted.patient.birth_date,
            SlotRow.start_at >= start - timedelta(hours=12),  # another center's zone
            SlotRow.start_at < end + timedelta(hours=12),
        )
    )
    return [
        booking
        for booking in found
        if same_name(booking.patient_name, wanted.patient.name)
        and booking.slot.start_at.astimezone(ZoneInfo(timezone)).date() == day
    ]
