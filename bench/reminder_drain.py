"""Draining a burst of due reminders into a local SMTP server, per database: messages per
second, total drain time, and the lag between each message's due time and its arrival at the
server (p50 / p95 / max), next to a naive baseline in the same run.

All COUNT reminders fall due at the same instant T0 (a burst, as after downtime). Variants:
  naive       the dispatcher as it was before SMTP sessions and workers, claiming ONE row per
              transaction (batch_size=1), one SMTP connection and one composition per message,
              the lease renewed and the outcome written in transactions of their own
  configured  the Dispatcher as `finder scheduler` builds it by default (batch_size 20, one
              worker, one SMTP session for many messages, composing once)
  REMINDER_WORKERS=4  the same with four worker threads once there is a backlog
  2 parallel  two of those in threads of this process, PostgreSQL only (SKIP LOCKED)

The SMTP server is aiosmtpd on loopback in a process of its own (bench/smtp_sink.py), as a mail
relay is in production: it shares the machine's two cores with the dispatchers, not their GIL.
Each arrival is stamped with time.time() and its Message-ID; duplicates are arrivals beyond one
per Message-ID.

Run: .venv/bin/python bench/reminder_drain.py [--databases sqlite,postgresql] [--count 10000]
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import create_engine, delete, insert, select, text, update
from sqlalchemy.orm import Session

from bench.figures import Figure, speed_up
from bench.smtp_sink import SinkProcess
from finder.app import create_app
from finder.centers.use_cases import load_centers_file
from finder.extensions import catalog_cache
from finder.mail import Mail, MailNotSent
from finder.reminders.dispatch import Dispatcher, Drained
from finder.reminders.messages import compose, message_id
from finder.reminders.scheduler import build
from finder.storage import db
from finder.storage.migrate import upgrade
from finder.storage.models import BookingRow, ReminderRow, UserRow
from tests.conftest import SMALL_CENTERS
from tests.live_server import POSTGRES_ADMIN_URL, fresh_postgres_database
from tests.scheduler_process import one_booking

MAIL_FROM = "Finder <reminders@finder.test>"
WORKERS = 4
FAST = f"REMINDER_WORKERS={WORKERS}"


@dataclass
class NaiveDispatcher(Dispatcher):
    """The baseline, as the dispatcher was before SMTP sessions and workers: one message after
    another, the lease renewed and the row, booking and provider read one by one in a
    transaction, composed afresh, sent on an SMTP connection of its own, and the outcome
    written in a transaction of its own."""

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

    def deliver(self, reminder_id: int, token: str) -> str:
        with self.sessions() as session:
            prepared = self._naive_prepare(session, reminder_id, token)
            session.commit()
        if prepared is None:
            return "withdrawn"
        if isinstance(prepared, str):
            self._write(self._outcome(reminder_id, token, status="cancelled", detail=prepared))
            return "skipped"
        try:
            self.sender.send(prepared)
        except MailNotSent as error:
            self._write(self._outcome(reminder_id, token, status="failed", detail=error.reason))
            return "failed"
        self._write(self._outcome(reminder_id, token, status="sent", detail="", sent=True))
        return "sent"

    def _naive_prepare(self, session: Session, reminder_id: int, token: str) -> Mail | str | None:
        now = self.clock()
        renewed = session.execute(
            update(ReminderRow)
            .where(
                ReminderRow.id == reminder_id,
                ReminderRow.claimed_by == token,
                ReminderRow.status == "pending",
            )
            .values(claimed_until=now + self.lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        if renewed != 1:
            return None
        reminder = session.get(ReminderRow, reminder_id)
        booking = session.get(BookingRow, reminder.booking_id or 0) if reminder else None
        provider = session.get(UserRow, booking.provider_id) if booking else None
        if reminder is None or booking is None or provider is None:
            return "booking gone"
        center = self.centers(session, booking.center_id)
        return compose(
            reminder, booking, center, provider, sender=self.from_address,
            public_url=self.public_url, now=now,
        )  # fmt: skip


@dataclass
class Result:
    database: str
    variant: str
    dispatchers: int
    batch_size: int
    count: int
    seconds: float  # from the start of the drain until every dispatcher returned
    lags: list[float]  # arrival − due_at per message delivered, seconds
    duplicates: int
    missing: int
    sent: int  # as the dispatchers counted it
    shares: list[int]  # messages sent by each dispatcher
    setup_gap: float  # from T0 (rows due) to the start of the drain: the insert's commit

    def percentile(self, fraction: float) -> float:
        if len(self.lags) < 2:
            return self.lags[0] if self.lags else float("nan")
        cuts = statistics.quantiles(self.lags, n=100, method="inclusive")
        return cuts[round(fraction * 100) - 1]

    def row(self) -> str:
        per_second = self.sent / self.seconds if self.seconds else float("nan")
        cells = [
            self.database,
            self.variant,
            str(self.dispatchers),
            str(self.batch_size),
            f"{self.sent}",
            f"{per_second:.0f}",
            f"{self.seconds:.1f}",
            f"{self.percentile(0.5):.1f}",
            f"{self.percentile(0.95):.1f}",
            f"{max(self.lags, default=float('nan')):.1f}",
            str(self.duplicates),
            str(self.missing),
        ]
        return "| " + " | ".join(cells) + " |"


HEADER = (
    "| database | variant | dispatchers | batch | sent | msg/s | drain s "
    "| lag p50 s | lag p95 s | lag max s | duplicates | missing |"
)
RULE = "|" + "|".join(["---"] * 2 + ["---:"] * 10) + "|"


def make_app(database_url: str, smtp: SinkProcess, workdir: Path) -> Flask:
    """The app on a migrated database with the small centers list loaded."""
    upgrade(database_url)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "bench-secret",
            "GEOCODER": "offline",
            "RATELIMIT_ENABLED": False,
            "SMTP_URL": smtp.url,
            "MAIL_FROM": MAIL_FROM,
        }
    )
    app.instance_path = str(workdir / "instance")
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    return app


def queue_burst(app: Flask, booking: tuple[int, int], count: int) -> dict[str, datetime]:
    """Replace the outbox with `count` reminders all due now (T0): Message-ID -> due_at."""
    engine = db.engine(app)
    with app.app_context(), db.transaction() as session:
        session.execute(delete(ReminderRow))
    if engine.dialect.name == "postgresql":  # the previous variant's dead rows, gone
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE reminders"))
    booking_id, slot_id = booking
    due = datetime.now(UTC)  # T0
    rows = [
        {
            "booking_id": booking_id, "kind": "reminder", "recipient": "provider",
            "hours_before": 72, "slot_id": slot_id, "due_at": due, "next_attempt_at": due,
            "status": "pending", "detail": "", "attempts": 0, "claimed_by": "",
            "created_at": due,
        }
        for _ in range(count)
    ]  # fmt: skip
    with app.app_context(), db.transaction() as session:
        session.execute(insert(ReminderRow), rows)
        ids = list(session.scalars(select(ReminderRow.id)))
    return {message_id(reminder_id, MAIL_FROM): due for reminder_id in ids}


def drain_all(dispatchers: list[Dispatcher]) -> tuple[float, list[Drained]]:
    """Each dispatcher's drain in a thread of its own (or inline for one); wall seconds."""
    results: list[Drained | None] = [None] * len(dispatchers)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = dispatchers[index].drain()
        except BaseException as error:
            errors.append(error)

    started = time.perf_counter()
    if len(dispatchers) == 1:
        run(0)
    else:
        threads = [threading.Thread(target=run, args=(n,)) for n in range(len(dispatchers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return seconds, [drained for drained in results if drained is not None]


def measure(
    database: str,
    variant: str,
    app: Flask,
    smtp: SinkProcess,
    booking: tuple[int, int],
    dispatchers: list[Dispatcher],
    count: int,
) -> Result:
    due = queue_burst(app, booking, count)
    t0 = next(iter(due.values())).timestamp()
    smtp.take()
    setup_gap = time.time() - t0
    seconds, drained = drain_all(dispatchers)
    arrivals = smtp.take()
    seen = Counter(mid for mid, _ in arrivals)
    first: dict[str, float] = {}
    for mid, arrived in arrivals:
        first.setdefault(mid, arrived)
    lags = [arrived - due[mid].timestamp() for mid, arrived in first.items() if mid in due]
    result = Result(
        database=database,
        variant=variant,
        dispatchers=len(dispatchers),
        batch_size=dispatchers[0].batch_size,
        count=count,
        seconds=seconds,
        lags=lags,
        duplicates=sum(seen.values()) - len(seen),
        missing=len(set(due) - set(seen)),
        sent=sum(d.sent for d in drained),
        shares=[d.sent for d in drained],
        setup_gap=setup_gap,
    )
    others = sum(d.retried + d.failed + d.skipped + d.withdrawn for d in drained)
    if others:
        print(f"  note: {others} messages retried, failed, skipped or withdrawn", file=sys.stderr)
    print(f"  done: {result.row()}", file=sys.stderr, flush=True)  # in case the run is cut short
    return result


def variants(app: Flask, database: str) -> Iterator[tuple[str, Callable[[], list[Dispatcher]]]]:
    """The naive baseline, the configured dispatcher, and on PostgreSQL two in parallel."""

    def configured(worker: str) -> Dispatcher:
        return replace(build(app).dispatcher, worker=worker)

    def naive() -> Dispatcher:
        made = configured("bench-naive")
        fields = {name: getattr(made, name) for name in made.__dataclass_fields__}
        return NaiveDispatcher(**{**fields, "batch_size": 1, "workers": 1})

    yield "naive (1 row per claim)", lambda: [naive()]

    def workers(worker: str, count: int = WORKERS) -> Dispatcher:
        return replace(configured(worker), workers=count)

    yield "configured (1 worker)", lambda: [configured("bench-configured")]
    yield FAST, lambda: [workers("bench-workers")]
    if database == "postgresql":
        yield (
            f"2 parallel, {WORKERS} workers each",
            lambda: [workers("bench-a"), workers("bench-b")],
        )


def bench_database(
    database: str, url: str, count: int, workdir: Path, naive_count: int
) -> list[Result]:
    with SinkProcess() as server:
        app = make_app(url, server, workdir)
        try:
            booking = one_booking(app)
            return [
                measure(
                    database,
                    variant,
                    app,
                    server,
                    booking,
                    dispatchers(),
                    naive_count if variant.startswith("naive") else count,
                )
                for variant, dispatchers in variants(app, database)
            ]
        finally:
            db.engine(app).dispose()


def postgres_unreachable() -> str | None:
    """Why PostgreSQL cannot be used for the bench, or None when it can."""
    engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return str(error).strip().splitlines()[0]
    finally:
        engine.dispose()
    return None


@contextmanager
def database_url(database: str, workdir: Path) -> Iterator[str]:
    if database == "sqlite":
        yield f"sqlite:///{workdir / 'finder.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


def run(databases: list[str], count: int, naive_count: int | None = None) -> list[Result]:
    """Every variant on every database, its table printed; the naive baseline drains
    `naive_count` (by default `count`): its rate is the same, its drain time scales with it."""
    naive_count = naive_count or count
    """Every variant on every database, its table printed."""
    print(
        f"Reminder drain: {count} reminders all due at one instant T0, per database and "
        f"variant; machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}."
    )
    print(
        "SMTP server: aiosmtpd on loopback in a process of its own (the same machine's cores, "
        "not the dispatchers' GIL)."
    )
    print(
        "Lag = arrival at the server − due_at. naive = one row claimed per transaction, one "
        "SMTP connection per message; configured = the dispatcher `finder scheduler` builds; "
        "2 parallel = two of those in threads, PostgreSQL only."
    )
    notes: list[str] = []
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="reminder-bench-") as scratch:
        workdir = Path(scratch)
        for database in databases:
            if database == "postgresql":
                why = postgres_unreachable()
                if why is not None:
                    notes.append(f"postgresql skipped: cannot connect ({why})")
                    print(f"  {notes[-1]}", file=sys.stderr)
                    continue
            with database_url(database, workdir) as url:
                results += bench_database(database, url, count, workdir / database, naive_count)

    print()
    print(HEADER)
    print(RULE)
    for result in results:
        print(result.row())
    print()
    for result in results:
        if result.dispatchers > 1:
            print(f"{result.database} {result.variant}: sent per dispatcher {result.shares}")
    if results:
        gap = max(result.setup_gap for result in results)
        print(f"T0 to start of drain (insert commit, counted in the lag): at most {gap:.2f} s")
    for note in notes:
        print(note)
    return results


def figures(
    count: int = 10_000,
    databases: tuple[str, ...] = ("sqlite", "postgresql"),
    naive_count: int | None = None,
) -> list[Figure]:
    """Per database: drain time and rate, lag p95 and duplicates, ours against naive. With a
    smaller `naive_count`, the naive drain time is its rate's time for `count` messages, and
    its lag is for its own smaller burst (said so in the figure's name)."""
    results = run(list(databases), count, naive_count)
    found: list[Figure] = []
    for database in databases:
        naive = next(
            (r for r in results if r.database == database and r.variant.startswith("naive")), None
        )
        ours = next((r for r in results if r.database == database and r.variant == FAST), None)
        if naive is None or ours is None:
            continue
        rate, naive_rate = ours.sent / ours.seconds, naive.sent / naive.seconds
        scaled = "" if naive.count == count else f" (naive: {naive.count:,} drained, scaled)"
        lag_note = "" if naive.count == count else f" (naive: its {naive.count:,} burst)"
        found += [
            speed_up(
                f"{count:,} reminders drained into aiosmtpd, {database}{scaled}",
                "s",
                ours.seconds,
                naive.seconds * count / naive.count,
                "<= 30 s and >= 3x the naive rate",
                ours.seconds <= 30 and rate >= 3 * naive_rate and ours.missing == 0,
            ),
            Figure(
                f"reminder rate, {database}",
                "msg/s",
                rate,
                naive_rate,
                rate / naive_rate,
                ">= 3x",
                rate >= 3 * naive_rate,
            ),
            speed_up(
                f"reminder lag p95 (arrival - due), {database}{lag_note}",
                "s",
                ours.percentile(0.95),
                naive.percentile(0.95),
                "reported",
                None,
            ),
            Figure(
                f"duplicate and missing messages, {database}",
                "messages",
                ours.duplicates + ours.missing,
                naive.duplicates + naive.missing,
                None,
                "0",
                ours.duplicates + ours.missing == 0,
            ),
        ]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--count", type=int, default=10_000, help="reminders due at once")
    parser.add_argument(
        "--naive-count", type=int, default=None, help="the naive baseline's burst (default: count)"
    )
    args = parser.parse_args()
    databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = set(databases) - {"sqlite", "postgresql"}
    if unknown or not databases or args.count < 1:
        parser.error("--databases takes sqlite and/or postgresql; --count must be at least 1")
    run(databases, args.count, args.naive_count)


if __name__ == "__main__":
    main()
