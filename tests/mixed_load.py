"""Ordinary use of a signed-in site under load, against the real server: `finder serve` with
several gunicorn workers and `finder scheduler` beside it, on one database. Staff block and
unblock slots, a provider books, readers list and open bookings and referrals and export them,
and the scheduler mails what falls due. Every answer is kept, and every audited answer is
matched against the audit trail afterwards.

Used by tests/test_mixed_load.py and bench/mixed_load.py, so no pytest here.
"""

import itertools
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import Envelope
from sqlalchemy import create_engine, func, select

from tests.live_server import (
    HOST,
    LiveServer,
    Response,
    ServerFailed,
    call,
    finder_command,
)
from tests.live_site import set_up_site, whole_days
from tests.smtp import FreePortController

READ_PATHS = ("center_bookings", "booking", "referrals", "referrals_export")
# What each audited request writes to the trail (the read's or the change's one event).
AUDITED = {
    "center_bookings": "bookings_listed",
    "booking": "booking_viewed",
    "referrals": "referrals_listed",
    "referrals_export": "referrals_exported",
    "block": "slot_blocked",
    "unblock": "slot_unblocked",
    "book": "booking_created",
}


class Inbox:
    """An SMTP server on loopback that counts what arrives."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, _envelope: Envelope) -> str:
        with self._lock:
            self.count += 1
        return "250 OK"


@contextmanager
def smtp_inbox() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    controller = FreePortController(inbox, hostname=HOST, port=0)
    controller.start()
    try:
        yield inbox, f"smtp://{HOST}:{controller.port}"
    finally:
        controller.stop()


@dataclass
class Answer:
    kind: str
    status: int
    seconds: float


@dataclass
class LoadResult:
    """What the clients saw and what the audit trail holds."""

    database: str
    seconds: float
    answers: list[Answer] = field(default_factory=list)
    audit_counts: Counter[str] = field(default_factory=Counter)
    mails: int = 0  # delivered by the end, of `mails_due`
    mails_due: int = 0
    scheduler_alive: bool = True

    def of(self, kinds: tuple[str, ...]) -> list[Answer]:
        return [answer for answer in self.answers if answer.kind in kinds]

    @property
    def errors(self) -> list[Answer]:
        return [answer for answer in self.answers if answer.status >= 500]

    def expected_audit(self) -> Counter[str]:
        """One event for each audited answer that succeeded."""
        counts: Counter[str] = Counter()
        for answer in self.answers:
            if answer.kind in AUDITED and 200 <= answer.status < 300:
                counts[AUDITED[answer.kind]] += 1
        return counts

    def row(self, label: str, kinds: tuple[str, ...]) -> str:
        chosen = self.of(kinds)
        if not chosen:
            return f"{label:<8} none"
        statuses = Counter(answer.status for answer in chosen)
        shown = " ".join(f"{status}:{n}" for status, n in sorted(statuses.items()))
        latencies = sorted(answer.seconds * 1000 for answer in chosen)
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
        return (
            f"{label:<8} {len(chosen):>6} requests  {len(chosen) / self.seconds:7.1f}/s  "
            f"p50 {p50:7.1f} ms  p99 {p99:8.1f} ms  [{shown}]"
        )


def _loop(until: float, step: Callable[[int], None]) -> None:
    for number in itertools.count():
        if time.monotonic() >= until:
            return
        step(number)


def run_mixed_load(
    server: LiveServer,
    *,
    seconds: float = 20,
    readers: int = 6,
    bookings_first: int = 12,
) -> LoadResult:
    """Set up a site on a started server over a fresh database, then run the load. The
    scheduler starts first: it is ready by the time the site is."""
    with smtp_inbox() as (inbox, smtp_url), _scheduler(server, smtp_url) as scheduler:
        return _set_up_and_load(server, inbox, scheduler, seconds, readers, bookings_first)


def _set_up_and_load(
    server: LiveServer,
    inbox: Inbox,
    scheduler: subprocess.Popen[bytes],
    seconds: float,
    readers: int,
    bookings_first: int,
) -> LoadResult:
    site = set_up_site(server, centers=1)
    center = site.centers[0]
    site.set_availability(center, whole_days(capacity=3, slot_minutes=30, horizon_days=6))
    slots = site.slots_ahead(center, days=4)
    if len(slots) < bookings_first + 40:
        raise ServerFailed(f"only {len(slots)} free slots")
    booking_ids = []
    for slot in slots[:bookings_first]:
        answer = site.book(slot["id"])
        if answer.status != 201:
            raise ServerFailed(f"booking before the load: {answer!r}")
        booking_ids.append(answer.body["id"])
    spare = iter(slots[bookings_first:])
    blockable = [slot["id"] for slot in slots[-30:]]
    today, _ = site.local_today(center)

    result = LoadResult(database=server.database_url.split(":")[0], seconds=seconds)
    lock = threading.Lock()
    # Each booking mails a confirmation to the provider and one to the patient at once.
    _wait_for(lambda: inbox.count >= 2 * bookings_first, timeout=120)
    started = datetime.now().astimezone()
    until = time.monotonic() + seconds

    def keep(kind: str, answer: Response) -> None:
        with lock:
            result.answers.append(Answer(kind, answer.status, answer.seconds))

    def reader(offset: int) -> Callable[[int], None]:
        def step(number: int) -> None:
            kind = READ_PATHS[(number + offset) % len(READ_PATHS)]
            frm, to = today.isoformat(), (today + timedelta(days=6)).isoformat()
            if kind == "center_bookings":
                path = f"/centers/{center}/bookings?from={frm}&to={to}"
                token = site.staff_token
            elif kind == "booking":
                path = f"/bookings/{booking_ids[number % len(booking_ids)]}"
                token = site.provider_token if number % 2 else site.staff_token
            elif kind == "referrals":
                path, token = "/referrals", site.provider_token
            else:
                path, token = "/referrals/export.csv", site.staff_token
            keep(kind, site.call("GET", path, token=token, timeout=120))

        return step

    def blocker(number: int) -> None:
        slot = blockable[(number // 2) % len(blockable)]
        blocked = number % 2 == 0
        answer = site.call(
            "POST",
            f"/centers/{center}/slots/{slot}/block",
            {"blocked": blocked, "reason": "load test"},
            token=site.staff_token,
            timeout=120,
        )
        keep("block" if blocked else "unblock", answer)

    def booker(_number: int) -> None:
        slot = next(spare, None)
        if slot is None:
            time.sleep(0.2)
            return
        keep("book", site.book(slot["id"]))
        time.sleep(0.3)

    threads = [threading.Thread(target=_loop, args=(until, reader(n))) for n in range(readers)]
    threads += [
        threading.Thread(target=_loop, args=(until, blocker)),
        threading.Thread(target=_loop, args=(until, booker)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.scheduler_alive = scheduler.poll() is None
    booked = sum(1 for answer in result.answers if answer.kind == "book" and answer.status == 201)
    result.mails_due = 2 * (bookings_first + booked)
    _wait_for(lambda: inbox.count >= result.mails_due, timeout=120)
    time.sleep(0.5)  # anything beyond what is due would show now
    result.mails = inbox.count
    result.audit_counts = _audit_counts(server.database_url, since=started)
    return result


def _wait_for(condition: Callable[[], bool], *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


@contextmanager
def _scheduler(server: LiveServer, smtp_url: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {**server.env, "SMTP_URL": smtp_url, "SCHEDULER_POLL_SECONDS": "1"}
    log = (server.workdir / "scheduler.log").open("wb")
    process = subprocess.Popen(
        [finder_command(), "scheduler"],
        env=env,
        cwd=server.workdir,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _audit_counts(database_url: str, *, since: datetime) -> Counter[str]:
    from finder.storage.db import make_engine
    from finder.storage.models import AuditEventRow

    engine = make_engine(database_url) if database_url.startswith("sqlite") else None
    engine = engine or create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(AuditEventRow.action, func.count())
                .where(AuditEventRow.at >= since, AuditEventRow.outcome == "ok")
                .group_by(AuditEventRow.action)
            )
            return Counter({action: count for action, count in rows})
    finally:
        engine.dispose()


def scheduler_log(server: LiveServer) -> str:
    path: Path = server.workdir / "scheduler.log"
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


__all__ = ["LoadResult", "call", "run_mixed_load", "scheduler_log"]
