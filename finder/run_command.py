"""`finder start`: the web server and the scheduler side by side, stopped together."""

import signal
import subprocess
import sys
import time
from types import FrameType

import click

STOP_GRACE_SECONDS = 30
_FINDER = [sys.executable, "-c", "from finder.cli import main; main()"]


@click.command("start")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def start(host: str, port: int, workers: int) -> None:
    """Serve the app and run the scheduler; when either stops, or on Ctrl-C, both stop."""
    children = [
        subprocess.Popen([*_FINDER, "scheduler"]),  # noqa: S603 - our own command
        subprocess.Popen(  # noqa: S603 - our own command
            [*_FINDER, "serve", "--host", host, "--port", str(port), "--workers", str(workers)]
        ),
    ]
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.2)
    code = next((child.returncode for child in children if child.returncode), 0)
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    sys.exit(code)
