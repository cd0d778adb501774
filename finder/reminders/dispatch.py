"""Sending what the outbox holds: claim due rows, re-read the booking, send, record.

A batch of due rows is claimed in one short transaction (PostgreSQL `FOR UPDATE SKIP LOCKED`,
so two dispatchers never take the same row; SQLite `BEGIN IMMEDIATE`), marked with a token and
a lease. Just before each message is sent its lease is renewed, only if the row still carries
this claim's token; the message then goes out outside any transaction and its outcome is
recorded at once, again only under the token. A dispatcher killed mid-batch leaves its claimed
rows to be taken again when their lease runs out; the one message that can go out twice is the
one the server accepted just before the kill, and it carries the same Message-ID.

A drain starts with one worker; each time a claim comes back full (a backlog) another worker
thread joins, up to `workers`. Each worker sends through an SMTP session of its own (one
connection for many messages) and writes each outcome in the same transaction that renews the
lease of its next message, so a message costs one write. What is composed for one consultation,
recipient and kind is composed once per drain (ComposeCache).
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy import Engine, func, or_, select, update
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
from finder.mail.senders import DEFAULT_SESSION_MESSAGES
from finder.mail.sessions import MailSession, OneByOne, open_session
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
class _Outcome:
    """What to write for a message once sent (or not): the values, under the claim's token."""

    reminder_id: int
    token: str
    values: dict[str, object]


@dataclass
class _Drain:
    """What the workers of one drain share."""

    drained: Drained = field(default_factory=Drained)
    cache: ComposeCache = field(default_factory=ComposeCache)
    threads: list[threading.Thread] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, counter: str, amount: int = 1) -> None:
        with self.lock:
            setattr(self.drained, counter, getattr(self.drained, counter) + amount)


@dataclass
class Dispatcher:
    """Drains due reminders through a sender; `stop` ends a drain after the message in hand."""

    sessions: Callable[[], Session]  # a writer session outside any request
    sender: Sender
    centers: Callable[[Session, str], Center]  # the center a booking is at
    from_address: str
    public_url: str
    batch_size: int = 20
    workers: int = 1  # threads sending at once when there is a backlog
    session_messages: int = DEFAULT_SESSION_MESSAGES  # messages per SMTP connection
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
        drain = _Drain()
        try:
            self._work(drain)
        finally:
            for thread in list(drain.threads):
                thread.join()
        return drain.drained

    def _work(self, drain: _Drain) -> None:
        """One worker: claim, then send each claimed row through this worker's SMTP session."""
        mail = open_session(self.sender, self.session_messages)
        try:
            with self._one_connection() as sessions:
                while not self.stop.is_set():
                    token, ids = self.claim()
                    if not ids:
                        break
                    if len(ids) == self.batch_size:
                        self._more_hands(drain)
                    self._send_batch(token, ids, mail, drain, sessions)
        finally:
            mail.close()

    def _send_batch(
        self,
        token: str,
        ids: list[int],
        mail: MailSession,
        drain: _Drain,
        sessions: Callable[[], Session],
    ) -> None:
        outcome: _Outcome | None = None
        try:
            for number, reminder_id in enumerate(ids):
                if self.stop.is_set():
                    self._write(outcome, sessions)
                    outcome = None
                    drain.add("released", self.release(token, ids[number:]))
                    break
                counter, outcome = self._deliver(
                    reminder_id, token, mail, drain.cache, outcome, sessions
                )
                drain.add(counter)
        finally:
            self._write(outcome, sessions)

    @contextmanager
    def _one_connection(self) -> Iterator[Callable[[], Session]]:
        """Sessions on one connection this worker holds for the drain: no pool checkout (and
        its liveness ping) for every message."""
        probe = self.sessions()
        bind = probe.get_bind()
        probe.close()
        if not isinstance(bind, Engine):  # pragma: no cover - sessions bound otherwise
            yield self.sessions
            return
        with bind.connect() as connection:
            yield partial(Session, bind=connection, expire_on_commit=False)

    def _more_hands(self, drain: _Drain) -> None:
        """Another worker for a backlog, while fewer than `workers` are at it."""
        with drain.lock:
            if 1 + len(drain.threads) >= self.workers or self.stop.is_set():
                return
            thread = threading.Thread(
                target=self._helper, args=(drain,), name=f"reminders-{len(drain.threads) + 1}"
            )
            drain.threads.append(thread)
        thread.start()

    def _helper(self, drain: _Drain) -> None:
        try:
            with self.context():
                self._work(drain)
        except Exception:
            log.exception("A reminder worker stopped; its claimed rows wait for their lease.")

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
        counter, outcome = self._deliver(
            reminder_id, token, OneByOne(self.sender.send), ComposeCache(), None
        )
        self._write(outcome)
        return counter

    def _deliver(
        self,
        reminder_id: int,
        token: str,
        mail: MailSession,
        cache: ComposeCache,
        previous: _Outcome | None,
        sessions: Callable[[], Session] | None = None,
    ) -> tuple[str, _Outcome | None]:
        """Write the previous message's outcome and prepare this one in one transaction, then
        send; returns the counter and this message's outcome, still to be written."""
        try:
            with (sessions or self.sessions)() as session:
                if previous is not None:
                    self._apply(session, previous)
                prepared = self._prepare(session, reminder_id, token, cache)
                session.commit()
        except BaseException:
            self._write(previous)  # the previous message went out: its outcome is kept
            raise
        if prepared is None:
            return "withdrawn", None
        if isinstance(prepared, str):
            return "skipped", self._outcome(
                reminder_id, token, status=CANCELLED_REMINDER, detail=prepared
            )
        composing, attempts = prepared
        try:
            mail.send(composing())
        except MailNotSent as error:
            again = retry_at(attempts, self.clock()) if error.temporary else None
            if again is None:
                log.warning("Reminder %s failed: %s", reminder_id, error.reason)
                return "failed", self._outcome(
                    reminder_id, token, status=FAILED, detail=error.reason
                )
            log.info("Reminder %s will be tried again at %s", reminder_id, again.isoformat())
            return "retried", self._outcome(
                reminder_id, token, status=PENDING, detail=error.reason, retry=again
            )
        return "sent", self._outcome(reminder_id, token, status=SENT, detail="", sent=True)

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
        self, session: Session, reminder_id: int, token: str, cache: ComposeCache
    ) -> str | tuple[Callable[[], Mail], int] | None:
        """How to compose the message to send (after the transaction: it holds no lock while
        templates render), why not to send it, or None when the claim no longer stands."""
        now = self.clock()
        # Renew the lease for this one message; a claim taken over after a long batch is lost.
        reminder = session.scalars(
            update(ReminderRow)
            .where(
                ReminderRow.id == reminder_id,
                ReminderRow.claimed_by == token,
                ReminderRow.status == PENDING,
            )
            .values(claimed_until=now + self.lease)
            .returning(ReminderRow)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if reminder is None:
            return None
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
        found = session.execute(
            select(BookingRow, UserRow, UserSettingRow)
            .join(UserRow, UserRow.id == BookingRow.provider_id)
            .outerjoin(UserSettingRow, UserSettingRow.user_id == UserRow.id)
            .where(BookingRow.id == (reminder.booking_id or 0))
        ).one_or_none()
        if found is None:  # pragma: no cover - foreign keys
            return "booking gone"
        booking, provider, setting = found
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
        ), reminder.attempts

    def _referral_message(
        self, session: Session, reminder: ReminderRow, now: datetime
    ) -> str | tuple[Callable[[], Mail], int]:
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

    def _offer_message(
        self, session: Session, reminder: ReminderRow, now: datetime
    ) -> str | tuple[Callable[[], Mail], int]:
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

    def _outcome(
        self,
        reminder_id: int,
        token: str,
        *,
        status: str,
        detail: str,
        retry: datetime | None = None,
        sent: bool = False,
    ) -> _Outcome:
        """The outcome to write if the claim is still ours (a cancel meanwhile does not undo
        it)."""
        values: dict[str, object] = {"status": status, "detail": detail, "claimed_until": None}
        if retry is not None:
            values["next_attempt_at"] = retry
        if sent:
            values["sent_at"] = self.clock()
        return _Outcome(reminder_id, token, values)

    def _apply(self, session: Session, outcome: _Outcome) -> None:
        session.execute(
            update(ReminderRow)
            .where(ReminderRow.id == outcome.reminder_id, ReminderRow.claimed_by == outcome.token)
            .values(**outcome.values)
            .execution_options(synchronize_session=False)
        )

    def _write(
        self, outcome: _Outcome | None, sessions: Callable[[], Session] | None = None
    ) -> None:
        """Write an outcome in a transaction of its own."""
        if outcome is None:
            return
        with (sessions or self.sessions)() as session:
            self._apply(session, outcome)
            session.commit()
