"""`finder slots refresh`: roll every center's slots forward over its booking horizon."""

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from finder.booking.calendar import refresh_all
from finder.extensions import current_catalog
from finder.storage import db


@click.group("slots")
def slots() -> None:
    """Consultation slots."""


@slots.command("refresh")
@with_appcontext
def refresh() -> None:
    """Expand every center's hours into slots up to the end of its horizon (safe to repeat)."""
    centers = current_catalog().centers.centers
    added = refresh_all(db.session(), centers, now=datetime.now(UTC))
    click.echo(f"Slots refreshed; {added} added.")
