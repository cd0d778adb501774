"""`finder init-db` and `finder load-centers`."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from finder.centers.records import LoadPlan
from finder.centers.use_cases import LoadConflicts, Loaded, load_network
from finder.domain.errors import InvalidCenterFile
from finder.extensions import catalog_cache
from finder.storage.migrate import upgrade


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the schema and load data/centers.csv (safe to run twice)."""
    upgrade(current_app.config["DATABASE_URL"])
    path = Path(current_app.config["DATA_DIR"]) / "centers.csv"
    loaded = _load_or_exit(path, None, dry_run=False)
    click.echo(f"Database ready; {loaded.count} centers loaded from {path}.")


@click.command("load-centers")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--claims",
    "claims_path",
    type=click.Path(path_type=Path),
    help="The product claims CSV (default: center_claims.csv beside PATH, if there is one).",
)
@click.option("--dry-run", is_flag=True, help="Print what the load would change; change nothing.")
@with_appcontext
def load_centers(path: Path, claims_path: Path | None, dry_run: bool) -> None:
    """Validate a centers CSV and load it: all rows or none. What a center confirmed in the
    app is never overwritten: a file that disagrees is reported and nothing is loaded."""
    upgrade(current_app.config["DATABASE_URL"])
    loaded = _load_or_exit(path, claims_path, dry_run=dry_run)
    if dry_run:
        click.echo(plan_text(loaded.plan))
        click.echo(f"Dry run: {loaded.count} centers in {path}; nothing was changed.")
        return
    click.echo(f"Loaded {loaded.count} centers from {path}.")


def plan_text(plan: LoadPlan) -> str:
    """What a load adds, changes and deactivates, and its conflicts, one line each."""
    lines = [f"add: {len(plan.added)}", *(f"  + {center_id}" for center_id in plan.added)]
    lines.append(f"change: {len(plan.changed)}")
    lines += [f"  ~ {center_id}: {', '.join(fields)}" for center_id, fields in plan.changed.items()]
    lines.append(f"deactivate: {len(plan.deactivated)}")
    lines += [f"  - {center_id}" for center_id in plan.deactivated]
    lines.append(f"conflicts: {len(plan.conflicts)}")
    lines += [f"  ! {conflict}" for conflict in plan.conflicts]
    return "\n".join(lines)


def _load_or_exit(path: Path, claims_path: Path | None, *, dry_run: bool) -> Loaded:
    try:
        return load_network(
            path, catalog_cache().products, claims_path=claims_path, dry_run=dry_run
        )
    except InvalidCenterFile as error:
        for problem in error.problems:
            click.echo(f"{path}: {problem}", err=True)
        click.echo(error.message, err=True)
        sys.exit(1)
    except LoadConflicts as error:
        for conflict in error.plan.conflicts:
            click.echo(f"conflict: {conflict}", err=True)
        click.echo(error.message, err=True)
        click.echo(
            "Ask the center, then change the file to what it confirmed (or have an admin "
            "revert the center's change).",
            err=True,
        )
        sys.exit(1)
