"""`finder init-db` and `finder load-centers`."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from finder.centers.use_cases import load_centers_file
from finder.domain.errors import InvalidCenterFile
from finder.extensions import catalog_cache
from finder.storage.migrate import upgrade


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the schema and load data/centers.csv (safe to run twice)."""
    upgrade(current_app.config["DATABASE_URL"])
    path = Path(current_app.config["DATA_DIR"]) / "centers.csv"
    count = _load_or_exit(path)
    click.echo(f"Database ready; {count} centers loaded from {path}.")


@click.command("load-centers")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def load_centers(path: Path) -> None:
    """Validate a centers CSV and load it: all rows or none."""
    upgrade(current_app.config["DATABASE_URL"])
    count = _load_or_exit(path)
    click.echo(f"Loaded {count} centers from {path}.")


def _load_or_exit(path: Path) -> int:
    try:
        return load_centers_file(path, catalog_cache().products)
    except InvalidCenterFile as error:
        for problem in error.problems:
            click.echo(f"{path}: {problem}", err=True)
        click.echo(error.message, err=True)
        sys.exit(1)
