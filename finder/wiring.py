"""The composition root: which area acts on which event, in the publisher's transaction.

Only this module knows every area; the areas know `finder.events` and their own code.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from finder.audit import Origin
from finder.events import (
    BookingCancelled,
    BookingMade,
    BookingMoved,
    BookingsDisplaced,
    ReferralMade,
    StageRecorded,
)
from finder.referrals.records import attach_booking
from finder.reminders import outbox, staff_notices
from finder.reminders.stage_messages import on_stage_recorded
from finder.storage.models import UserRow
from finder.unit_of_work import Handler, UnitOfWork

# A booking never exists without its messages and its referral: they are written in its
# transaction, in this order. A stage recorded by the center is mailed to the provider.
HANDLERS: Mapping[type, Sequence[Handler]] = {
    BookingMade: (outbox.on_booked, attach_booking, staff_notices.on_booked),
    BookingMoved: (outbox.on_rescheduled, staff_notices.on_moved),
    BookingCancelled: (outbox.on_cancelled, staff_notices.on_cancelled),
    StageRecorded: (on_stage_recorded,),
    # Staff who chose to hear of these are told; a displaced booking's provider is told.
    ReferralMade: (staff_notices.on_referred,),
    BookingsDisplaced: (staff_notices.on_displaced,),
}


def unit_of_work(
    session: Session,
    *,
    now: datetime,
    actor: UserRow | None = None,
    origin: Origin | None = None,
) -> UnitOfWork:
    """A unit of work outside any request: the scheduler, the command line, the tests."""
    return UnitOfWork(
        session=session, now=now, actor=actor, origin=origin or Origin(), handlers=HANDLERS
    )
