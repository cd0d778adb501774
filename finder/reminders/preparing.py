"""What a claimed outbox row becomes just before it is sent: its lease renewed, the booking (or
referral, offer, account) re-read, and either how to compose the message or why not to send it.

A burst of reminders for one consultation is the case to make cheap: each message still renews
its lease and re-reads its booking, its slot, its provider and the provider's settings, but in
two prepared statements and no ORM loading; when that row reads as it did for an earlier
message of the drain, the message composed then is used again (ComposeCache), with this row's
Message-ID. Anything else goes the full way.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from finder.domain.centers import Center
from finder.domain.reminders import PENDING, skip_reason
from finder.mail import Mail
from finder.reminders.messages import ComposeCache, recipient_address
from finder.reminders.staff_notices import OWN_KINDS
from finder.reminders.staff_notices import prepare as prepare_notice
from finder.reminders.stage_messages import compose_stage_change
from finder.reminders.waitlist_messages import compose_offer, skip_offer
from finder.storage.models import (
    BookingRow,
    ReferralEventRow,
    ReferralRow,
    ReminderRow,
    SlotRow,
    UserRow,
    UserSettingRow,
    WaitlistOfferRow,
    WaitlistRow,
)

Centers = Callable[[Session, str], Center]
# How to compose the message (after the transaction) and the attempts so far; or why not.
Prepared = str | tuple[Callable[[], Mail], int] | None

_REMINDERS = ReminderRow.__table__
_BOOKINGS = BookingRow.__table__
_SLOTS = SlotRow.__table__
_USERS = UserRow.__table__
_SETTINGS = UserSettingRow.__table__

# Renew one row's lease, only while this claim holds it; what the message needs of the row.
_RENEW = (
    update(_REMINDERS)
    .where(
        _REMINDERS.c.id == bindparam("b_id"),
        _REMINDERS.c.claimed_by == bindparam("b_token"),
        _REMINDERS.c.status == PENDING,
    )
    .values(claimed_until=bindparam("b_until", type_=_REMINDERS.c.claimed_until.type))
    .returning(
        _REMINDERS.c.id,
        _REMINDERS.c.kind,
        _REMINDERS.c.recipient,
        _REMINDERS.c.booking_id,
        _REMINDERS.c.slot_id,
        _REMINDERS.c.referral_id,
        _REMINDERS.c.waitlist_offer_id,
        _REMINDERS.c.attempts,
    )
)

# Everything a booking's message is made of, as it stands now: any change to the booking, its
# slot's times, the provider or the provider's settings reads differently, and composes anew.
_READING = (
    select(
        *_BOOKINGS.c,
        _SLOTS.c.start_at.label("slot_start_at"),
        _SLOTS.c.end_at.label("slot_end_at"),
        *(column.label(f"user_{column.name}") for column in _USERS.c),
        *(column.label(f"setting_{column.name}") for column in _SETTINGS.c),
    )
    .join(_SLOTS, _SLOTS.c.id == _BOOKINGS.c.slot_id)
    .join(_USERS, _USERS.c.id == _BOOKINGS.c.provider_id)
    .outerjoin(_SETTINGS, _SETTINGS.c.user_id == _USERS.c.id)
    .where(_BOOKINGS.c.id == bindparam("b_booking"))
)


def _frozen(value: object) -> object:
    """A column's value as part of a dictionary key (JSON lists and objects become tuples)."""
    if isinstance(value, list):
        return tuple(map(_frozen, value))
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    return value


@dataclass
class Preparer:
    """Prepares claimed rows for one dispatcher."""

    centers: Centers
    from_address: str
    public_url: str
    lease: timedelta

    def prepare(
        self, session: Session, reminder_id: int, token: str, cache: ComposeCache, now: datetime
    ) -> Prepared:
        """How to compose the message to send (after the transaction: it holds no lock while
        templates render), why not to send it, or None when the claim no longer stands."""
        # Renew the lease for this one message; a claim taken over after a long batch is lost.
        renewed = session.execute(
            _RENEW, {"b_id": reminder_id, "b_token": token, "b_until": now + self.lease}
        ).one_or_none()
        if renewed is None:
            return None
        if (
            renewed.kind in OWN_KINDS
            or renewed.referral_id is not None
            or renewed.waitlist_offer_id is not None
            or renewed.booking_id is None
        ):
            reminder = session.get(ReminderRow, reminder_id)
            if reminder is None:  # pragma: no cover - renewed just now
                return None
            return self._other(session, reminder, now)
        return self._booking_message(session, renewed, cache, now)

    def _booking_message(
        self, session: Session, renewed: Any, cache: ComposeCache, now: datetime
    ) -> Prepared:
        reading = session.execute(_READING, {"b_booking": renewed.booking_id}).one_or_none()
        if reading is None:  # pragma: no cover - foreign keys
            return "booking gone"
        reason = skip_reason(
            renewed.kind,
            booking_status=reading.status,
            booking_slot_id=reading.slot_id,
            planned_slot_id=renewed.slot_id or 0,
            start_at=reading.slot_start_at,
            now=now,
        )
        if reason is not None:
            return reason
        center = self.centers(session, reading.center_id)
        key = (
            renewed.kind, renewed.recipient, tuple(map(_frozen, reading)), center,
            self.from_address, self.public_url,
        )  # fmt: skip
        found = cache.find(key, renewed.id, self.from_address, self.public_url)
        if found is not None:
            return (lambda: found), renewed.attempts
        reminder = ReminderRow(
            id=renewed.id,
            kind=renewed.kind,
            recipient=renewed.recipient,
            booking_id=renewed.booking_id,
            slot_id=renewed.slot_id,
        )
        booking = session.get(BookingRow, renewed.booking_id)
        provider = session.get(UserRow, booking.provider_id) if booking else None
        setting = session.get(UserSettingRow, provider.id) if provider else None
        if booking is None or provider is None:  # pragma: no cover - foreign keys
            return "booking gone"
        if not recipient_address(reminder, booking, provider):
            return "no address to send to"
        return partial(
            cache.compose,
            reminder,
            booking,
            center,
            provider,
            sender=self.from_address,
            public_url=self.public_url,
            now=now,
            setting=setting,
            key=key,
        ), renewed.attempts

    def _other(self, session: Session, reminder: ReminderRow, now: datetime) -> Prepared:
        if reminder.kind in OWN_KINDS:  # staff notices and "needs a new time"
            notice = prepare_notice(
                session, reminder, self.centers,
                sender=self.from_address, public_url=self.public_url, now=now,
            )  # fmt: skip
            if isinstance(notice, str):
                return notice
            return (lambda: notice), reminder.attempts
        if reminder.referral_id is not None:
            return self._referral_message(session, reminder, now)
        if reminder.waitlist_offer_id is not None:
            return self._offer_message(session, reminder, now)
        return "nothing to send"  # pragma: no cover - every row names what it is about

    def _referral_message(self, session: Session, reminder: ReminderRow, now: datetime) -> Prepared:
        """A stage change told to the referring provider; it always goes out."""
        referral = session.get(ReferralRow, reminder.referral_id or 0)
        event = session.get(ReferralEventRow, reminder.referral_event_id or 0)
        provider = session.get(UserRow, referral.provider_id) if referral else None
        if referral is None or event is None or provider is None:  # pragma: no cover - keys
            return "referral gone"
        mail = compose_stage_change(
            reminder,
            referral,
            event,
            self.centers(session, referral.center_id),
            provider,
            session.get(UserSettingRow, provider.id),
            sender=self.from_address,
            public_url=self.public_url,
            now=now,
        )
        return (lambda: mail), reminder.attempts

    def _offer_message(self, session: Session, reminder: ReminderRow, now: datetime) -> Prepared:
        """A freed place offered to a waitlist request's provider, while the offer stands."""
        offer = session.get(WaitlistOfferRow, reminder.waitlist_offer_id or 0)
        request = session.get(WaitlistRow, offer.request_id) if offer else None
        slot = session.get(SlotRow, offer.slot_id) if offer else None
        provider = session.get(UserRow, request.provider_id) if request else None
        if offer is None or request is None or slot is None or provider is None:
            return "offer gone"
        reason = skip_offer(offer, now)
        if reason is not None:
            return reason
        mail = compose_offer(
            reminder,
            offer,
            request,
            slot,
            self.centers(session, request.center_id),
            provider,
            session.get(UserSettingRow, provider.id),
            sender=self.from_address,
            public_url=self.public_url,
        )
        return (lambda: mail), reminder.attempts
