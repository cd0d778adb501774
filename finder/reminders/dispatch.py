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
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from finder.domain.centers import Center
from finder.domain.reminders import (
    CANCELLED_REMINDER,
    FAILED,
    PENDING,
    SENT,
    retry_at,
)
from finder.mail import MailNotSent, Sender
from finder.mail.senders import DEFAULT_SESSION_MESSAGES
from finder.mail.sessions import MailSession, OneByOne, open_session
from finder.reminders.messages import ComposeCache
from finder.reminders.preparing import Preparer
from finder.storage.models import (
    ReminderRow,
)

log = logging.getLogger("finder.reminders")

# A message's outcome, written only while this claim still holds the row; the values to set
# are the parameters besides these two.
_SETTLE = update(ReminderRow.__table__).where(
    ReminderRow.__table__.c.id == bindparam("b_id"),
    ReminderRow.__table__.c.claimed_by == bindparam("b_token"),
)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_name() -> str:
    """Which process holds a claim, for the operator reading the table."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


@contextmanager
def _outcomes_without_flush(connection: Connection) -> Iterator[None]:
    """This worker's own writes (leases and outcomes) wait for the database's next flush to
    disk rather than forcing one each: they survive the dispatcher's crash as before (the
    operating system has them), and only a crash of the machine or the database server could
    lose the last fraction of a second of outcomes, whose messages would then go out once more
    under their same Message-ID. Bookings and every other write keep their full flush; the
    connection has its setting back before it returns to the pool."""
    dialect = connection.dialect.name
    raw = connection.connection.dbapi_connection
    if raw is None or dialect not in ("sqlite", "postgresql"):  # pragma: no cover
        yield
        return
    setting, back = (
        ("PRAGMA synchronous=NORMAL", "PRAGMA synchronous=FULL")  # WAL: never torn
        if dialect == "sqlite"
        else ("SET synchronous_commit = off", "RESET synchronous_commit")
    )
    _outside_transaction(raw, setting)
    try:
        yield
    finally:
        connection.rollback()
        _outside_transaction(raw, back)


def _outside_transaction(raw: Any, statement: str) -> None:
    cursor = raw.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()
    raw.commit()


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
        with bind.connect() as connection, _outcomes_without_flush(connection):
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
                preparer = Preparer(self.centers, self.from_address, self.public_url, self.lease)
                prepared = preparer.prepare(session, reminder_id, token, cache, self.clock())
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
            _SETTLE, {"b_id": outcome.reminder_id, "b_token": outcome.token, **outcome.values}
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
