"""What happened in one area that another area acts on, in the same transaction.

A booking does not write reminders or referrals itself: its use cases publish these events on
the unit of work, and the handlers that `finder.wiring` subscribes (the reminder outbox, the
referral record) write their rows before the commit. So `booking`, `reminders` and `referrals`
never import each other; only the wiring knows them all.
"""

from dataclasses import dataclass
from datetime import date, datetime

from finder.storage.models import BookingRow, ReferralRow


@dataclass(frozen=True)
class BookingMade:
    """A consultation was booked (its confirmation and reminders are due; it joins a referral)."""

    booking: BookingRow
    timezone: str  # the center's
    now: datetime


@dataclass(frozen=True)
class BookingMoved:
    """A booking moved to another slot of its center."""

    booking: BookingRow
    timezone: str
    now: datetime


@dataclass(frozen=True)
class BookingCancelled:
    """A booking was cancelled before its time."""

    booking: BookingRow
    now: datetime


@dataclass(frozen=True)
class StageRecorded:
    """A referral moved on (or an entry was put right) by someone other than its provider."""

    referral: ReferralRow
    stage: str
    at: date
    note: str
    now: datetime
    entry_id: int  # the history entry that was recorded


@dataclass(frozen=True)
class PlaceFreed:
    """A place may have freed in these slots of a center (a cancellation, a move, new hours,
    a closure lifted, a slot opened again, an offer that ran out): the waitlist is offered it."""

    center_id: str
    slot_ids: tuple[int, ...]  # empty: any slot of the center
    now: datetime


@dataclass(frozen=True)
class ReferralMade:
    """A provider referred a patient to a center (its staff may want to know)."""

    referral: ReferralRow
    now: datetime


@dataclass(frozen=True)
class BookingsDisplaced:
    """The center's hours or closures no longer hold these live bookings: each needs a new time."""

    bookings: tuple[BookingRow, ...]
    now: datetime
