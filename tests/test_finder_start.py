"""`finder start`, on SQLite and PostgreSQL: it serves and schedules, and SIGTERM stops both
its children with it."""

import os
import signal
import subprocess
import time

import pytest

from tests.live_server import HOST, finder_command, free_port
from tests.scheduler_process import Scheduler


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
