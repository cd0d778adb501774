"""The one process that sends reminders and keeps slots expanded, built on APScheduler.

Two jobs share a single worker thread, so they never run at once: `dispatch` drains due
reminders, runs on a short interval (new bookings' confirmations) and is also scheduled for
the moment the next reminder falls due; `slots` rolls every center's slots over its horizon.
Both run at start-up, so the process catches up at once after downtime. SIGTERM or SIGINT
lets the message in hand finish, gives back the rest of the batch, and exits.
"""

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy.orm import Session

from finder.booking.calendar import refresh_all
from finder.centers.catalog import CatalogCache
from finder.domain.centers import Center
from finder.reminders.dispatch import Dispatcher
from finder.storage import db

log = logging.getLogger("finder.scheduler")

SLOT_REFRESH = timedelta(hours=1)


@dataclass
class ReminderScheduler:
    """The dispatcher and the slot refresh on one APScheduler, until `stop` is set."""

    app: Flask
    dispatcher: Dispatcher
    poll: timedelta

    def __post_init__(self) -> None:
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    @property
    def stop(self) -> threading.Event:
        return self.dispatcher.stop

    def run(self) -> None:
        """Start both jobs now, then block until asked to stop; return once work in hand is done."""
        quiet_apscheduler()
        now = datetime.now(UTC)
        self.scheduler.add_job(
            self.dispatch, "interval", seconds=self.poll.total_seconds(), id="dispatch",
            next_run_time=now,
        )  # fmt: skip
        self.scheduler.add_job(
            self.refresh_slots, "interval", seconds=SLOT_REFRESH.total_seconds(), id="slots",
            next_run_time=now,
        )  # fmt: skip
        self.scheduler.start()
        log.info("Scheduler started; polling every %.0f s.", self.poll.total_seconds())
        self.stop.wait()
        self.scheduler.shutdown(wait=True)
        log.info("Scheduler stopped.")

    def dispatch(self) -> None:
        """Drain what is due, then wake again when the next reminder falls due."""
        try:
            drained = self.dispatcher.drain()
        except Exception:
            log.exception("Dispatching reminders failed; trying again at the next poll.")
            return
        if drained.handled or drained.released:
            log.info(
                "Reminders: %d sent, %d to retry, %d failed, %d skipped, %d given back.",
                drained.sent, drained.retried, drained.failed, drained.skipped, drained.released,
            )  # fmt: skip
        if self.stop.is_set():
            return
        self._wake_at(self.dispatcher.next_due())

    def refresh_slots(self) -> None:
        """Expand every center's hours into slots up to the end of its horizon."""
        try:
            with db.own_session(self.app, write=True) as session:
                centers = _catalog(self.app).current(session).centers.centers
                added = refresh_all(session, centers, now=datetime.now(UTC))
        except Exception:
            log.exception("Refreshing slots failed; trying again in an hour.")
            return
        # The log says what was done: nothing added is not news.
        log.log(logging.INFO if added else logging.DEBUG, "Slots refreshed; %d added.", added)

    def _wake_at(self, due: datetime | None) -> None:
        """A one-off run at the next due time, when that comes before the next poll."""
        if due is None or due - datetime.now(UTC) >= self.poll:
            return
        self.scheduler.add_job(
            self.dispatch, "date", run_date=max(due, datetime.now(UTC)), id="wake",
            replace_existing=True,
        )  # fmt: skip


def quiet_apscheduler() -> None:
    """APScheduler logs two INFO lines each time a job runs (every poll): only its warnings
    and errors are kept. What the jobs did, the scheduler logs itself."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def build(app: Flask) -> ReminderScheduler:
    """The scheduler for this app's database, sender and settings."""
    config = app.config
    dispatcher = Dispatcher(
        sessions=db.writer_sessions(app),
        sender=app.extensions["finder.mail"],
        centers=_center_lookup(app),
        from_address=config["MAIL_FROM"],
        public_url=config["PUBLIC_URL"],
        lease=timedelta(seconds=config["REMINDER_LEASE_SECONDS"]),
        workers=config["REMINDER_WORKERS"],
        context=app.app_context,
    )
    return ReminderScheduler(
        app, dispatcher, poll=timedelta(seconds=config["SCHEDULER_POLL_SECONDS"])
    )


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT ask for a clean stop; the work in hand is finished first."""

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("Received %s; finishing the message in hand.", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)


def _catalog(app: Flask) -> CatalogCache:
    cache: CatalogCache = app.extensions["finder.centers.catalog"]
    return cache


def _center_lookup(app: Flask) -> Callable[[Session, str], Center]:
    def center(session: Session, center_id: str) -> Center:
        return _catalog(app).current(session).centers.get(center_id)

    return center
