"""`finder scheduler` as the process it runs as, for the tests that start, kill and stop it:
a booking with any number of reminders due now, and the process on the test database and SMTP
server. Registered as a pytest plugin in tests/conftest.py (the `outbox` fixture)."""

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
from finder.storage import db
from finder.storage.models import ReminderRow
from tests.accounts import CENTER_X, add_account
from tests.bookings import book
from tests.live_server import finder_command, free_port, server_environment

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


def one_booking(app) -> tuple[int, int]:
    """A provider's consultation three days ahead, without its own reminders: (booking, slot).
    (The reminder bench starts from it too.)"""
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
            return booking.id, booking.slot_id


@pytest.fixture
def outbox(app, smtp_server):
    """A booking three days ahead, and a way to queue any number of messages due now."""
    booking_id, slot_id = one_booking(app)

    def queue(count: int) -> list[int]:
        due = datetime.now(UTC) - timedelta(seconds=1)
        rows = [
            {
                "booking_id": booking_id, "kind": "reminder", "recipient": "provider",
                "hours_before": 72, "slot_id": slot_id, "due_at": due,
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
