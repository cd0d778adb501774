"""The composition root: which area acts on which event, in the publisher's transaction.

Only this module knows every area; the areas know `finder.events` and their own code.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from finder.audit import Origin
from finder.events import BookingCancelled, BookingMade, BookingMoved, StageRecorded
from finder.referrals.records import attach_booking
from finder.reminders import outbox
from finder.reminders.stage_messages import on_stage_recorded
from finder.storage.models import UserRow
from finder.unit_of_work import Handler, UnitOfWork

# A booking never exists without its messages and its referral: they are written in its
# transaction, in this order. A stage recorded by the center is mailed to the provider.
HANDLERS: Mapping[type, Sequence[Handler]] = {
    BookingMade: (outbox.on_booked, attach_booking),
    BookingMoved: (outbox.on_rescheduled,),
    BookingCancelled: (outbox.on_cancelled,),
    StageRecorded: (on_stage_recorded,),
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
