"""The composition root: which area acts on which event, in the publisher's transaction, and
which area's count another area's pages show.

Only this module knows every area; the areas know `finder.events` and their own code.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from finder.audit import Origin
from finder.booking.outcomes import monthly_outcomes
from finder.domain.errors import UnknownReference
from finder.events import (
    BookingCancelled,
    BookingMade,
    BookingMoved,
    BookingsDisplaced,
    PlaceFreed,
    ReferralMade,
    StageRecorded,
)
from finder.extensions import catalog_cache
from finder.referrals.records import attach_booking
from finder.reminders import outbox, staff_notices
from finder.reminders.stage_messages import on_stage_recorded
from finder.reminders.waitlist_messages import on_offered
from finder.storage.models import UserRow
from finder.unit_of_work import Handler, UnitOfWork
from finder.waitlist import records as waitlist
from finder.web.outcomes import OutcomesByMonth

DEFAULT_WAITLIST_OFFER_SECONDS = 1800


def offer_freed_place(session: Session, event: PlaceFreed) -> None:
    """A freed place is held for the first matching waitlist request; its offer is mailed.
    Needs the app (the center's catalog, the offer's time); without one nothing is offered."""
    if not has_app_context():
        return
    try:
        center = catalog_cache().current(session).centers.get(event.center_id)
    except UnknownReference:
        return  # a center no longer listed offers nothing; its requests wait
    seconds = int(current_app.config.get("WAITLIST_OFFER_SECONDS", DEFAULT_WAITLIST_OFFER_SECONDS))
    for offer in waitlist.offer_freed(
        session, center, event.slot_ids, now=event.now, seconds=seconds
    ):
        on_offered(session, offer, event.now)


def waitlist_booked(session: Session, event: BookingMade) -> None:
    """A provider booked a place they were offered: their request is done."""
    waitlist.on_booking(session, event.booking.slot_id, event.booking.provider_id)


# A booking never exists without its messages and its referral: they are written in its
# transaction, in this order. A stage recorded by the center is mailed to the provider.
HANDLERS: Mapping[type, Sequence[Handler]] = {
    BookingMade: (outbox.on_booked, attach_booking, waitlist_booked, staff_notices.on_booked),
    BookingMoved: (outbox.on_rescheduled, staff_notices.on_moved),
    BookingCancelled: (outbox.on_cancelled, staff_notices.on_cancelled),
    StageRecorded: (on_stage_recorded,),
    # A cancellation, a move, new hours, a lifted closure or block, a lapsed offer.
    PlaceFreed: (offer_freed_place,),
    # Staff who chose to hear of these are told; a displaced booking's provider is told.
    ReferralMade: (staff_notices.on_referred,),
    BookingsDisplaced: (staff_notices.on_displaced,),
}

# The staff's week page and the center's referrals page show one count of booking outcomes.
OUTCOMES_BY_MONTH: OutcomesByMonth = monthly_outcomes


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
