"""The waitlist's records: requests, and the freed places offered to them.

A freed place goes to the oldest waiting request of the center whose dates cover the slot's
local date and which was never offered that slot: a hold is taken for its provider (decided
by the database as every hold is, see finder.booking.holds) and an offer row written. The
request rows are locked first, so two transactions never offer to the same request at once.
An offer that runs out unbooked lapses; its request waits again and the place goes on.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.booking import holds, places
from finder.domain.bookings import BOOKED
from finder.domain.centers import Center
from finder.domain.errors import DomainError
from finder.storage.models import BookingRow, HoldRow, SlotRow, WaitlistOfferRow, WaitlistRow

WAITING = "waiting"
OFFERED = "offered"
BOOKED_REQUEST = "booked"
WITHDRAWN = "withdrawn"
LIVE = (WAITING, OFFERED)

OPEN = "open"
TAKEN = "booked"
LAPSED = "lapsed"

MAX_SLOTS_PER_PASS = 200


def offer_freed(
    session: Session,
    center: Center,
    slot_ids: Sequence[int],
    *,
    now: datetime,
    seconds: int,
) -> list[WaitlistOfferRow]:
    """Offer the free places of these slots (none named: any of the center's) to the waiting
    requests, oldest first; the offers made."""
    waiting = list(
        session.scalars(
            select(WaitlistRow)
            .where(WaitlistRow.center_id == center.id, WaitlistRow.status == WAITING)
            .order_by(WaitlistRow.created_at, WaitlistRow.id)
            .with_for_update()
        )
    )
    if not waiting:
        return []
    zone = ZoneInfo(center.timezone)
    first = _midnight(min(row.first_day for row in waiting), zone)
    last = _midnight(max(row.last_day for row in waiting) + timedelta(days=1), zone)
    query = (
        select(SlotRow)
        .where(
            SlotRow.center_id == center.id,
            SlotRow.start_at > now,
            SlotRow.start_at >= first,
            SlotRow.start_at < last,
            *places.open_for_booking(now),
        )
        .order_by(SlotRow.start_at, SlotRow.id)
        .limit(MAX_SLOTS_PER_PASS)
    )
    if slot_ids:
        query = query.where(SlotRow.id.in_(sorted(set(slot_ids))))
    made: list[WaitlistOfferRow] = []
    for slot in list(session.scalars(query)):
        day = slot.start_at.astimezone(zone).date()
        for request in waiting:
            if request.status != WAITING or not request.first_day <= day <= request.last_day:
                continue
            if _offered_before(session, request.id, slot.id):
                continue
            try:
                hold = holds.take_hold(
                    session, center, slot, provider_id=request.provider_id, now=now,
                    seconds=seconds,
                )  # fmt: skip
            except DomainError:
                break  # no place left in this slot, or nobody could book it: the next slot
            offer = WaitlistOfferRow(
                request_id=request.id,
                slot_id=slot.id,
                hold_id=hold.id,
                offered_at=now,
                expires_at=hold.expires_at,
                status=OPEN,
            )
            session.add(offer)
            request.status = OFFERED
            session.flush()
            made.append(offer)
    return made


def lapse_expired(session: Session, now: datetime) -> dict[str, list[int]]:
    """Close the offers whose time ran out: booked ones as booked, the rest lapsed (their
    requests wait again). The slots each center has a place back in, to offer on."""
    expired = list(
        session.scalars(
            select(WaitlistOfferRow)
            .where(WaitlistOfferRow.status == OPEN, WaitlistOfferRow.expires_at <= now)
            .order_by(WaitlistOfferRow.id)
            .with_for_update()
        )
    )
    freed: dict[str, list[int]] = {}
    for offer in expired:
        request = session.get(WaitlistRow, offer.request_id)
        if request is None:  # pragma: no cover - foreign key
            continue
        if _booked_since(session, offer, request):
            offer.status = TAKEN
            request.status = BOOKED_REQUEST
            continue
        offer.status = LAPSED
        if request.status == OFFERED:
            request.status = WAITING
        freed.setdefault(request.center_id, []).append(offer.slot_id)
    session.flush()
    return freed


def on_booking(session: Session, slot_id: int, provider_id: int) -> None:
    """The provider booked a slot they were offered: the offer and its request are done."""
    rows = session.execute(
        select(WaitlistOfferRow, WaitlistRow)
        .join(WaitlistRow, WaitlistRow.id == WaitlistOfferRow.request_id)
        .where(
            WaitlistOfferRow.slot_id == slot_id,
            WaitlistOfferRow.status == OPEN,
            WaitlistRow.provider_id == provider_id,
        )
    ).all()
    for offer, request in rows:
        offer.status = TAKEN
        request.status = BOOKED_REQUEST


def withdraw(session: Session, request: WaitlistRow) -> list[int]:
    """Take the request off the list; an open offer's held place is let go. The slots freed."""
    request.status = WITHDRAWN
    freed: list[int] = []
    for offer in session.scalars(
        select(WaitlistOfferRow).where(
            WaitlistOfferRow.request_id == request.id, WaitlistOfferRow.status == OPEN
        )
    ):
        offer.status = LAPSED
        hold = session.get(HoldRow, offer.hold_id)
        if hold is not None:
            holds.release(session, hold)
        freed.append(offer.slot_id)
    session.flush()
    return freed


def open_offer(session: Session, request_id: int) -> WaitlistOfferRow | None:
    return session.scalars(
        select(WaitlistOfferRow).where(
            WaitlistOfferRow.request_id == request_id, WaitlistOfferRow.status == OPEN
        )
    ).first()


def _offered_before(session: Session, request_id: int, slot_id: int) -> bool:
    found = session.scalar(
        select(WaitlistOfferRow.id).where(
            WaitlistOfferRow.request_id == request_id, WaitlistOfferRow.slot_id == slot_id
        )
    )
    return found is not None


def _booked_since(session: Session, offer: WaitlistOfferRow, request: WaitlistRow) -> bool:
    found = session.scalar(
        select(BookingRow.id).where(
            BookingRow.slot_id == offer.slot_id,
            BookingRow.provider_id == request.provider_id,
            BookingRow.status == BOOKED,
            BookingRow.created_at >= offer.offered_at,
        )
    )
    return found is not None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
