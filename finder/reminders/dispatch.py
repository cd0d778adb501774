"""Sending what the outbox holds: claim due rows, re-read the booking, send, record.

A batch of due rows is claimed in one short transaction (PostgreSQL `FOR UPDATE SKIP LOCKED`,
so two dispatchers never take the same row; SQLite `BEGIN IMMEDIATE`), marked with a token and
a lease. Just before each message is sent its lease is renewed, only if the row still carries
this claim's token; the message then goes out outside any transaction and its outcome is
recorded at once, again only under the token. A dispatcher killed mid-batch leaves its claimed
rows to be taken again when their lease runs out; the one message that can go out twice is the
one the server accepted just before the kill, and it carries the same Message-ID.
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from finder.domain.centers import Center
from finder.domain.reminders import (
    CANCELLED_REMINDER,
    FAILED,
    PENDING,
    SENT,
    retry_at,
    skip_reason,
)
from finder.mail import Mail, MailNotSent, Sender
from finder.reminders.messages import compose
from finder.reminders.staff_notices import OWN_KINDS
from finder.reminders.staff_notices import prepare as prepare_notice
from finder.reminders.stage_messages import compose_stage_change
from finder.storage.models import (
    BookingRow,
    ReferralEventRow,
    ReferralRow,
    ReminderRow,
    UserRow,
)

log = logging.getLogger("finder.reminders")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    """Which process holds a claim, for the operator reading the table."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@dataclass
class Drained:
    """What one drain did, for the log and the benchmark."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    released: int = 0
    # Claimed rows cancelled since, or taken over by another dispatcher after the lease ran out.
    withdrawn: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.skipped


@dataclass
class Dispatcher:
    """Drains due reminders through a sender; `stop` ends a drain after the message in hand."""

    sessions: Callable[[], Session]  # a writer session outside any request
    sender: Sender
    centers: Callable[[Session, str], Center]  # the center a booking is at
    from_address: str
    public_url: str
    batch_size: int = 20
    lease: timedelta = timedelta(seconds=120)
    clock: Clock = utc_now
    worker: str = field(default_factory=worker_name)
    stop: threading.Event = field(default_factory=threading.Event)
    # What composing a message needs around it: the app's context for its templates.
    context: Callable[[], AbstractContextManager[object]] = nullcontext

    def drain(self) -> Drained:
        """Send everything due now, batch after batch, until nothing is due or asked to stop."""
        with self.context():
            return self._drain()

    def _drain(self) -> Drained:
        drained = Drained()
        while not self.stop.is_set():
            token, ids = self.claim()
            if not ids:
                break
            for number, reminder_id in enumerate(ids):
                if self.stop.is_set():
                    drained.released += self.release(token, ids[number:])
                    break
                outcome = self.deliver(reminder_id, token)
                setattr(drained, outcome, getattr(drained, outcome) + 1)
        return drained

    def claim(self) -> tuple[str, list[int]]:
        """Take up to a batch of due rows nobody holds, in the order they fell due."""
        token = f"{self.worker}/{uuid.uuid4().hex[:12]}"
        with self.sessions() as session:
            now = self.clock()
            query = (
                select(ReminderRow.id)
                .where(
                    ReminderRow.status == PENDING,
                    ReminderRow.next_attempt_at <= now,
                    or_(ReminderRow.claimed_until.is_(None), ReminderRow.claimed_until <= now),
                )
                .order_by(ReminderRow.next_attempt_at, ReminderRow.id)
                .limit(self.batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            ids = list(session.scalars(query))
            if ids:
                session.execute(
                    update(ReminderRow)
                    .where(ReminderRow.id.in_(ids))
                    .values(
                        claimed_until=now + self.lease,
                        claimed_by=token,
                        attempts=ReminderRow.attempts + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
            session.commit()
        return token, ids

    def deliver(self, reminder_id: int, token: str) -> str:
        """Send one claimed row, or skip it; returns which of Drained's counters it adds to."""
        with self.sessions() as session:
            prepared = self._prepare(session, reminder_id, token)
            session.commit()
        if prepared is None:
            return "withdrawn"
        if isinstance(prepared, str):
            self._record(reminder_id, token, status=CANCELLED_REMINDER, detail=prepared)
            return "skipped"
        mail, attempts = prepared
        try:
            self.sender.send(mail)
        except MailNotSent as error:
            again = retry_at(attempts, self.clock()) if error.temporary else None
            if again is None:
                self._record(reminder_id, token, status=FAILED, detail=error.reason)
                log.warning("Reminder %s failed: %s", reminder_id, error.reason)
                return "failed"
            self._record(reminder_id, token, status=PENDING, detail=error.reason, retry=again)
            log.info("Reminder %s will be tried again at %s", reminder_id, again.isoformat())
            return "retried"
        self._record(reminder_id, token, status=SENT, detail="", sent=True)
        return "sent"

    def release(self, token: str, ids: list[int]) -> int:
        """Give back claimed rows not yet tried (on shutdown), uncounted as attempts."""
        if not ids:
            return 0
        with self.sessions() as session:
            released = session.execute(
                update(ReminderRow)
                .where(ReminderRow.id.in_(ids), ReminderRow.claimed_by == token)
                .values(claimed_until=None, attempts=ReminderRow.attempts - 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            session.commit()
        return released

    def next_due(self) -> datetime | None:
        """When the earliest pending row falls due (or its claim runs out), if any."""
        with self.sessions() as session:
            earliest: datetime | None = session.scalar(
                select(
                    func.min(func.coalesce(ReminderRow.claimed_until, ReminderRow.next_attempt_at))
                ).where(ReminderRow.status == PENDING)
            )
            session.rollback()
        if earliest is not None and earliest.tzinfo is None:  # SQLite's func.min loses the zone
            earliest = earliest.replace(tzinfo=UTC)
        return earliest

    def _prepare(
        self, session: Session, reminder_id: int, token: str
    ) -> str | tuple[Mail, int] | None:
        """The message to send, why not to send it, or None when the claim no longer stands."""
        now = self.clock()
        # Renew the lease for this one message; a claim taken over after a long batch is lost.
        renewed = session.execute(
            update(ReminderRow)
            .where(
                ReminderRow.id == reminder_id,
                ReminderRow.claimed_by == token,
                ReminderRow.status == PENDING,
            )
            .values(claimed_until=now + self.lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        if renewed != 1:
            return None
        reminder = session.get(ReminderRow, reminder_id)
        if reminder is None:  # pragma: no cover - rows are never deleted
            return "gone"
        if reminder.kind in OWN_KINDS:  # staff notices and "needs a new time"
            notice = prepare_notice(
                session, reminder, self.centers,
                sender=self.from_address, public_url=self.public_url, now=now,
            )  # fmt: skip
            return notice if isinstance(notice, str) else (notice, reminder.attempts)
        if reminder.referral_id is not None:
            return self._referral_message(session, reminder, now)
        booking = session.get(BookingRow, reminder.booking_id or 0)
        provider = session.get(UserRow, booking.provider_id) if booking else None
        if booking is None or provider is None:  # pragma: no cover - foreign keys
            return "booking gone"
        reason = skip_reason(
            reminder.kind,
            booking_status=booking.status,
            booking_slot_id=booking.slot_id,
            planned_slot_id=reminder.slot_id or 0,
            start_at=booking.slot.start_at,
            now=now,
        )
        if reason is not None:
            return reason
        center = self.centers(session, booking.center_id)
        mail = compose(
            reminder,
            booking,
            center,
            provider,
            sender=self.from_address,
            public_url=self.public_url,
            now=now,
        )
        if not mail.to:
            return "no address to send to"
        return mail, reminder.attempts

    def _referral_message(
        self, session: Session, reminder: ReminderRow, now: datetime
    ) -> str | tuple[Mail, int]:
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
            sender=self.from_address,
            public_url=self.public_url,
            now=now,
        )
        return mail, reminder.attempts

    def _record(
        self,
        reminder_id: int,
        token: str,
        *,
        status: str,
        detail: str,
        retry: datetime | None = None,
        sent: bool = False,
    ) -> None:
        """Write the outcome if the claim is still ours (a cancel meanwhile does not undo it)."""
        values: dict[str, object] = {"status": status, "detail": detail, "claimed_until": None}
        if retry is not None:
            values["next_attempt_at"] = retry
        if sent:
            values["sent_at"] = self.clock()
        with self.sessions() as session:
            session.execute(
                update(ReminderRow)
                .where(ReminderRow.id == reminder_id, ReminderRow.claimed_by == token)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.commit()
