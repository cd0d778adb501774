"""`finder scheduler` stopped with SIGTERM, on SQLite and PostgreSQL, against a real SMTP
server: it finishes the message in hand and sends nothing twice; two at once on PostgreSQL send
everything once."""

import re
import signal
import time

import pytest

from finder.reminders.messages import message_id
from tests.scheduler_process import MAIL_FROM, Scheduler, delivered, wait_until_sent


def test_stopped_with_sigterm_the_scheduler_finishes_the_message_in_hand(
    app, outbox, smtp_server, tmp_path
):
    ids = outbox(200)
    smtp_server.delay = 0.01
    scheduler = Scheduler(app, smtp_server, tmp_path)
    for _ in range(4):
        scheduler.start(wait=True)
        sent = len(smtp_server.messages)
        deadline = time.monotonic() + 60
        while len(smtp_server.messages) == sent and time.monotonic() < deadline:
            time.sleep(0.02)  # stopped once it is delivering
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
