"""`finder scheduler` as the process it runs as, on SQLite and PostgreSQL, against a real SMTP
server: killed with SIGKILL and restarted it still delivers every reminder (a duplicate only
from a kill between the server's acceptance and the row being marked sent). Stopping it with
SIGTERM: tests/test_scheduler_sigterm.py; `finder start`: tests/test_finder_start.py."""

import random
import signal
import time

from finder.reminders.messages import message_id
from tests.scheduler_process import MAIL_FROM, Scheduler, delivered, wait_until_sent


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
