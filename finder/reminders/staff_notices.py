"""Notices through the outbox beyond a booking's own: staff told of changes at their centers
(each choosing which, at once or in a daily digest), and a provider told that their booking
needs a new time. The `on_*` handlers are subscribed in finder.wiring; `prepare` composes a
row when the dispatcher sends it, from the booking or referral as it is then.

Email is not a secure channel: the patient is named by initials only, with the reference;
no birth date, no notes, no free-text reason. Every link is built from PUBLIC_URL.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.domain.bookings import BOOKED as LIVE
from finder.domain.centers import Center
from finder.domain.notices import (
    BOOKED,
    CANCELLED,
    DISPLACED,
    MOVED,
    REFERRED,
    STAFF,
    STAFF_DIGEST,
    STAFF_KINDS,
    chosen,
    next_digest,
)
from finder.domain.reminders import PENDING, PROVIDER
from finder.events import (
    BookingCancelled,
    BookingMade,
    BookingMoved,
    BookingsDisplaced,
    ReferralMade,
)
from finder.mail import Mail
from finder.reminders.notice_mail import compose_digest, compose_displaced, compose_staff
from finder.reminders.outbox import queued
from finder.storage.models import (
    BookingRow,
    ReferralRow,
    ReminderRow,
    UserCenterRow,
    UserRow,
    UserSettingRow,
)

HELD = "held"  # a notice kept for the staff member's digest, never sent on its own
OWN_KINDS = frozenset({*STAFF_KINDS.values(), STAFF_DIGEST, DISPLACED})

Centers = Callable[[Session, str], Center]


def on_booked(session: Session, event: BookingMade) -> None:
    _tell_staff(session, BOOKED, event.booking.center_id, event.now, booking=event.booking)


def on_moved(session: Session, event: BookingMoved) -> None:
    _tell_staff(session, MOVED, event.booking.center_id, event.now, booking=event.booking)


def on_cancelled(session: Session, event: BookingCancelled) -> None:
    _tell_staff(session, CANCELLED, event.booking.center_id, event.now, booking=event.booking)


def on_referred(session: Session, event: ReferralMade) -> None:
    _tell_staff(session, REFERRED, event.referral.center_id, event.now, referral=event.referral)


def on_displaced(session: Session, event: BookingsDisplaced) -> None:
    """The provider is told once per booking and place it lost."""
    for booking in event.bookings:
        told = session.scalar(
            select(ReminderRow.id).where(
                ReminderRow.booking_id == booking.id,
                ReminderRow.kind == DISPLACED,
                ReminderRow.slot_id == booking.slot_id,
            )
        )
        if told is None:
            session.add(
                queued(
                    DISPLACED,
                    PROVIDER,
                    due_at=event.now,
                    now=event.now,
                    booking_id=booking.id,
                    slot_id=booking.slot_id,
                )
            )
    session.flush()


def staff_to_tell(session: Session, center_id: str, kind: str) -> list[UserSettingRow]:
    """The active staff of the center who chose to hear of this kind of change."""
    rows = session.scalars(
        select(UserSettingRow)
        .join(UserRow, UserRow.id == UserSettingRow.user_id)
        .join(UserCenterRow, UserCenterRow.user_id == UserRow.id)
        .where(
            UserCenterRow.center_id == center_id,
            UserRow.active.is_(True),
            UserRow.role == "staff",
        )
        .order_by(UserRow.id)
    )
    return [row for row in rows if kind in chosen(row.notices)]


def _tell_staff(
    session: Session,
    kind: str,
    center_id: str,
    now: datetime,
    *,
    booking: BookingRow | None = None,
    referral: ReferralRow | None = None,
) -> None:
    for setting in staff_to_tell(session, center_id, kind):
        row = queued(
            STAFF_KINDS[kind],
            STAFF,
            due_at=now,
            now=now,
            booking_id=booking.id if booking else None,
            slot_id=booking.slot_id if booking else None,
            referral_id=referral.id if referral else None,
        )
        row.user_id = setting.user_id
        if setting.digest:
            row.status = HELD
            _plan_digest(session, setting, now)
        session.add(row)
    session.flush()


def _plan_digest(session: Session, setting: UserSettingRow, now: datetime) -> None:
    pending = session.scalar(
        select(ReminderRow.id).where(
            ReminderRow.user_id == setting.user_id,
            ReminderRow.kind == STAFF_DIGEST,
            ReminderRow.status == PENDING,
        )
    )
    if pending is None:
        row = queued(
            STAFF_DIGEST, STAFF, due_at=next_digest(now, setting.timezone or "UTC"), now=now
        )
        row.user_id = setting.user_id
        session.add(row)


def prepare(
    session: Session,
    reminder: ReminderRow,
    centers: Centers,
    *,
    sender: str,
    public_url: str,
    now: datetime,
) -> str | Mail:
    """The mail for one of this module's rows, or why it is not sent."""
    if reminder.kind == DISPLACED:
        booking = session.get(BookingRow, reminder.booking_id or 0)
        provider = session.get(UserRow, booking.provider_id) if booking else None
        if booking is None or provider is None:  # pragma: no cover - foreign keys
            return "booking gone"
        if booking.status != LIVE or booking.slot_id != reminder.slot_id:
            return "given a new time or cancelled since"
        center = centers(session, booking.center_id)
        return compose_displaced(
            reminder, booking, center, provider, _setting(session, provider.id),
            sender=sender, public_url=public_url,
        )  # fmt: skip
    user = session.get(UserRow, reminder.user_id or 0)
    if user is None or not user.active:
        return "account deactivated"
    setting = _setting(session, user.id)
    if reminder.kind == STAFF_DIGEST:
        items = _held_items(session, reminder, user, centers)
        if not items:
            return "nothing to tell"
        return compose_digest(reminder, user, setting, items, sender=sender, public_url=public_url)
    item = _item(session, reminder, centers)
    if item is None or item["center"].id not in user.center_ids:
        return "no longer at this center"
    return compose_staff(reminder, user, setting, item, sender=sender, public_url=public_url)


def _setting(session: Session, user_id: int) -> UserSettingRow:
    return session.get(UserSettingRow, user_id) or UserSettingRow(
        user_id=user_id, timezone="", language="", hour_cycle="", notices=[], digest=False
    )


def _item(session: Session, reminder: ReminderRow, centers: Centers) -> dict[str, Any] | None:
    """What one staff notice is about: the booking or referral as it is now, and its center."""
    if reminder.referral_id is not None:
        referral = session.get(ReferralRow, reminder.referral_id)
        if referral is None:  # pragma: no cover - foreign keys
            return None
        return {
            "kind": reminder.kind,
            "center": centers(session, referral.center_id),
            "referral": referral,
            "booking": None,
        }
    booking = session.get(BookingRow, reminder.booking_id or 0)
    if booking is None:  # pragma: no cover - foreign keys
        return None
    return {
        "kind": reminder.kind,
        "center": centers(session, booking.center_id),
        "referral": None,
        "booking": booking,
    }


def _held_items(
    session: Session, digest: ReminderRow, user: UserRow, centers: Centers
) -> list[dict[str, Any]]:
    """The notices held for this digest: those of the day before it fell due."""
    rows = session.scalars(
        select(ReminderRow)
        .where(
            ReminderRow.user_id == user.id,
            ReminderRow.status == HELD,
            ReminderRow.created_at >= digest.due_at - timedelta(days=1),
            ReminderRow.created_at < digest.due_at,
        )
        .order_by(ReminderRow.created_at, ReminderRow.id)
    )
    items = [_item(session, row, centers) for row in rows]
    return [item for item in items if item and item["center"].id in user.center_ids]
