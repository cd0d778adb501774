"""`finder scheduler` as the process it runs as, on SQLite and PostgreSQL, against a real SMTP
server: killed with SIGKILL and restarted it still delivers every reminder (a duplicate only
from a kill between the server's acceptance and the row being marked sent); stopped with SIGTERM
it finishes the message in hand and sends nothing twice; two at once send everything once."""

import os
import random
import re
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from finder.booking.calendar import free_slots, save_availability
from finder.domain.availability import parse_availability
from finder.domain.bookings import BookingRequest, Patient
from finder.extensions import current_catalog
from finder.reminders.messages import message_id
from finder.storage import db
from finder.storage.models import ReminderRow
from tests.accounts import CENTER_X, add_account
from tests.bookings import book
from tests.live_server import HOST, finder_command, free_port, server_environment

MAIL_FROM = "Finder <reminders@finder.test>"
ALL_DAY = {
    "weekly": [
        {"day": day, "start": "00:00", "end": "23:00"}
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    ],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 50,
    "min_notice_hours": 1,
    "horizon_days": 5,
}


@pytest.fixture
def outbox(app, smtp_server):
    """A booking three days ahead, and a way to queue any number of messages due now."""
    now = datetime.now(UTC)
    with app.app_context():
        provider = add_account(app, "provider_a", role="provider", practice="Cape Cod Oncology")
        catalog = current_catalog()
        center = catalog.centers.get(CENTER_X)
        with db.transaction() as session:
            hours = parse_availability(ALL_DAY, timezone=center.timezone)
            save_availability(session, center, hours, now=now, by=None)
            ahead = (now + timedelta(days=3)).date()
            slot = free_slots(session, center, first_day=ahead, last_day=ahead, now=now)[0]
            booking = book(
                session,
                BookingRequest(
                    slot_id=slot.id,
                    patient=Patient(name="Alex Doe", birth_date=datetime(1960, 5, 1).date()),
                    indication="LBCL", product="yescarta", notes="",
                ),
                provider_id=provider.id, centers=catalog.centers, products=catalog.products,
                now=now,
            ).booking  # fmt: skip
            session.execute(ReminderRow.__table__.delete())

    def queue(count: int) -> list[int]:
        due = datetime.now(UTC) - timedelta(seconds=1)
        rows = [
            {
                "booking_id": booking.id, "kind": "reminder", "recipient": "provider",
                "hours_before": 72, "slot_id": booking.slot_id, "due_at": due,
                "next_attempt_at": due, "status": "pending", "detail": "", "attempts": 0,
                "claimed_by": "", "created_at": due,
            }
            for _ in range(count)
        ]  # fmt: skip
        with app.app_context(), db.transaction() as session:
            session.execute(insert(ReminderRow), rows)
            return list(session.scalars(select(ReminderRow.id).order_by(ReminderRow.id)))

    return queue


class Scheduler:
    """One `finder scheduler` process on the test database and SMTP server."""

    def __init__(self, app, smtp, workdir: Path, name: str = "scheduler") -> None:
        self.env = server_environment(app.config["DATABASE_URL"], workdir)
        self.env.update(
            SMTP_URL=smtp.url, MAIL_FROM=MAIL_FROM, SCHEDULER_POLL_SECONDS="0.2",
            REMINDER_LEASE_SECONDS="2", PORT=str(free_port()),
        )  # fmt: skip
        self.log = workdir / f"{name}.log"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, wait: bool = False) -> None:
        """Start the process; with `wait`, return once it has started its jobs."""
        started = self.starts()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [finder_command(), "scheduler"], env=self.env, cwd=self.workdir,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while wait and self.starts() == started and time.monotonic() < deadline:
            time.sleep(0.05)

    def starts(self) -> int:
        return self.log.read_text().count("Scheduler started") if self.log.exists() else 0

    def signal(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)


def pending(app) -> int:
    with app.app_context():
        session = db.session()
        count = session.scalar(
            select(func.count(ReminderRow.id)).where(ReminderRow.status != "sent")
        )
        session.rollback()
        return int(count or 0)


def wait_until_sent(app, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while pending(app) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pending(app) == 0, "not every reminder was sent"


def delivered(smtp) -> Counter[str]:
    return Counter(str(message["Message-ID"]) for message in smtp.messages)


def test_killed_and_restarted_the_scheduler_still_delivers_every_reminder(
    app, outbox, smtp_server, tmp_path
):
    ids = outbox(300)
    smtp_server.delay = 0.01
    scheduler = Scheduler(app, smtp_server, tmp_path)
    kills = 0
    randomly = random.Random(6)
    while kills < 6:
        scheduler.start()
        time.sleep(randomly.uniform(0.8, 2.0))
        scheduler.signal(signal.SIGKILL)
        kills += 1
    scheduler.start()
    wait_until_sent(app)
    assert scheduler.signal(signal.SIGTERM) == 0
    arrived = delivered(smtp_server)
    expected = {message_id(reminder_id, MAIL_FROM) for reminder_id in ids}
    assert set(arrived) == expected  # every reminder, and nothing else
    duplicates = sum(arrived.values()) - len(arrived)
    print(f"\n{len(ids)} reminders, {kills} kills with SIGKILL: {duplicates} duplicates")
    # At most one message is in hand when the process dies.
    assert duplicates <= kills


def test_stopped_with_sigterm_the_scheduler_finishes_the_message_in_hand(
    app, outbox, smtp_server, tmp_path
):
    ids = outbox(200)
    smtp_server.delay = 0.01
    scheduler = Scheduler(app, smtp_server, tmp_path)
    for _ in range(4):
        scheduler.start(wait=True)
        time.sleep(0.5)
        assert scheduler.signal(signal.SIGTERM) == 0
    scheduler.start()
    wait_until_sent(app)
    assert scheduler.signal(signal.SIGTERM) == 0
    arrived = delivered(smtp_server)
    assert set(arrived) == {message_id(reminder_id, MAIL_FROM) for reminder_id in ids}
    assert max(arrived.values()) == 1  # zero duplicates
    assert "finishing the message in hand" in scheduler.log.read_text()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_schedulers_on_postgresql_deliver_each_reminder_exactly_once(
    app, outbox, smtp_server, tmp_path
):
    ids = outbox(400)
    smtp_server.delay = 0.005
    schedulers = [Scheduler(app, smtp_server, tmp_path, f"scheduler-{n}") for n in range(2)]
    for scheduler in schedulers:
        scheduler.start()
    wait_until_sent(app)
    for scheduler in schedulers:
        assert scheduler.signal(signal.SIGTERM) == 0
    arrived = delivered(smtp_server)
    assert set(arrived) == {message_id(reminder_id, MAIL_FROM) for reminder_id in ids}
    assert max(arrived.values()) == 1
    shares = [
        sum(int(n) for n in re.findall(r"Reminders: (\d+) sent", s.log.read_text()))
        for s in schedulers
    ]
    print(f"\n{len(ids)} reminders by two schedulers; sent per process: {shares}")


def test_finder_start_serves_and_schedules_and_stops_both_together(app, tmp_path, smtp_server):
    port = free_port()
    env = Scheduler(app, smtp_server, tmp_path).env
    log = (tmp_path / "start.log").open("wb")
    process = subprocess.Popen(
        [finder_command(), "start", "--host", HOST, "--port", str(port), "--workers", "1"],
        env=env, cwd=tmp_path, stdout=log, stderr=log, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline:
            text = (tmp_path / "start.log").read_text(errors="replace")
            if "Scheduler started" in text and "Booting worker" in text:
                break
            time.sleep(0.2)
        assert "Scheduler started" in text and "Booting worker" in text
        children = subprocess.run(
            ["/usr/bin/pgrep", "-P", str(process.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) == 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        for child in children:
            with pytest.raises(ProcessLookupError):
                os.kill(int(child), 0)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()
