"""`finder scheduler`: the one reminder-dispatch process; never started inside web workers."""

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from finder.reminders.scheduler import build, stop_on_signals

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Send due reminders and keep slots expanded until stopped (SIGTERM: after the one in hand)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    process = build(current_app._get_current_object())  # type: ignore[attr-defined]
    stop_on_signals(process.stop)
    process.run()
