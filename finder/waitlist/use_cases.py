"""Joining the waitlist, reading it, withdrawing from it, and passing on lapsed offers: each
once, for the API, the pages and the scheduler. A place freed by the withdrawal or a lapse is
published (PlaceFreed), so the next request is offered it in the same transaction."""

from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select

from finder.domain.accounts import Actor, Role
from finder.domain.bookings import MAX_ID
from finder.domain.centers import Center
from finder.domain.errors import UnknownReference
from finder.events import PlaceFreed
from finder.storage.models import WaitlistRow
from finder.unit_of_work import UnitOfWork
from finder.waitlist import records
from finder.waitlist.rules import check_request

MAX_LISTED = 500


def join_waitlist(
    uow: UnitOfWork, actor: Actor, center: Center, values: dict[str, Any]
) -> WaitlistRow:
    """Ask to be offered a consultation at the center within the dates (offered when a place
    frees: a time free now the provider books directly)."""
    today = uow.now.astimezone(ZoneInfo(center.timezone)).date()
    first, last, reference = check_request(values, today=today)
    row = WaitlistRow(
        center_id=center.id,
        provider_id=actor.user_id,
        first_day=first,
        last_day=last,
        reference=reference,
        status=records.WAITING,
        created_at=uow.now,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit("waitlist_joined", target_type="waitlist", target_id=row.id, center_id=center.id)
    uow.commit()
    return row


def list_waitlist(
    uow: UnitOfWork, actor: Actor, *, center_id: str | None = None, live_only: bool = False
) -> list[WaitlistRow]:
    """A provider's own requests; the requests of the staff's centers (one, if named)."""
    query = select(WaitlistRow).order_by(WaitlistRow.created_at, WaitlistRow.id)
    if actor.role is Role.PROVIDER:
        query = query.where(WaitlistRow.provider_id == actor.user_id)
    elif actor.role is Role.STAFF:
        query = query.where(WaitlistRow.center_id.in_(sorted(actor.center_ids)))
    if center_id is not None:
        query = query.where(WaitlistRow.center_id == center_id)
    if live_only:
        query = query.where(WaitlistRow.status.in_(records.LIVE))
    rows = cast(list[WaitlistRow], list(uow.session.scalars(query.limit(MAX_LISTED))))
    uow.audit("waitlist_listed", target_type="waitlist", center_id=center_id)
    uow.commit()
    return rows


def withdraw_request(uow: UnitOfWork, actor: Actor, request_id: int | None) -> WaitlistRow:
    """Take the provider's own request off the list (an admin any); a place it was offered
    goes to the next request."""
    row = uow.session.get(WaitlistRow, request_id) if request_id and request_id <= MAX_ID else None
    if row is None or not actor.owns(row.provider_id):
        raise UnknownReference("No such waitlist request.")
    if row.status in records.LIVE:
        freed = records.withdraw(uow.session, row)
        if freed:
            uow.publish(PlaceFreed(row.center_id, tuple(freed), now=uow.now))
    uow.audit("waitlist_withdrawn", target_type="waitlist", target_id=row.id,
              center_id=row.center_id)  # fmt: skip
    uow.commit()
    return row


def pass_on_lapsed_offers(uow: UnitOfWork) -> int:
    """Close the offers whose time ran out and offer their places to the next requests (the
    scheduler's tick). How many lapsed or were booked."""
    freed = records.lapse_expired(uow.session, uow.now)
    for center_id, slot_ids in freed.items():
        uow.publish(PlaceFreed(center_id, tuple(slot_ids), now=uow.now))
    count = sum(len(ids) for ids in freed.values())
    uow.commit()
    return count


def offer_of(uow: UnitOfWork, request_id: int) -> Any:
    return records.open_offer(uow.session, request_id)


def local_day(at: datetime, center: Center) -> str:
    return at.astimezone(ZoneInfo(center.timezone)).date().isoformat()
