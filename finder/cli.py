"""The `finder` command: set up the database, load centers, serve, search."""

import json
import os
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from finder.domain.errors import DomainError
from finder.domain.products import POPULATIONS
from finder.domain.ranking import MAX_LIMIT, SearchFilters
from finder.extensions import current_catalog, current_geocoder
from finder.geocoding import AmbiguousPlace, GeocodingError
from finder.search.api import search_json
from finder.search.service import SearchResult, search_centers


def _create_app() -> Flask:
    from finder.app import create_app

    return create_app()


main = FlaskGroup(
    name="finder",
    help="Find authorized CAR T centers a patient can reach.",
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
)


def init_app(app: Flask) -> None:
    from finder.accounts.commands import users
    from finder.centers.commands import init_db, load_centers
    from finder.coverage.commands import coverage_command, plan_sites_command
    from finder.demo import demo
    from finder.run_command import start
    from finder.scheduler_command import scheduler
    from finder.slot_commands import slots

    for command in (init_db, load_centers, serve, search, users, demo, slots, scheduler, start):
        app.cli.add_command(command)
    app.cli.add_command(coverage_command)
    app.cli.add_command(plan_sites_command)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn."""
    from finder.web.request_log import GUNICORN_ACCESS_FORMAT

    argv = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--access-logfile", "-",
        "--access-logformat", GUNICORN_ACCESS_FORMAT,
        # gunicorn's control socket has one path per user: instances would take it from
        # each other, and nothing here uses it.
        "--no-control-socket",
        "--preload",
        "finder.wsgi:app",
    ]  # fmt: skip
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn


@click.command("search")
@click.argument("address")
@click.option(
    "--product", help="Only centers authorized for this product (id, brand, generic or short name)."
)
@click.option("--indication", help="Only centers treating this indication (e.g. LBCL, MM).")
@click.option("--population", type=click.Choice(POPULATIONS))
@click.option("--rule", "rule_id", help="Proximity rule set (default us-2025).")
@click.option("--max-minutes", type=click.FloatRange(1, 1440))
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, MAX_LIMIT))
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")
@with_appcontext
def search(
    address: str,
    product: str | None,
    indication: str | None,
    population: str | None,
    rule_id: str | None,
    max_minutes: float | None,
    limit: int,
    as_json: bool,
) -> None:
    """Rank the centers for an address, city or ZIP."""
    if product:
        product = current_catalog().products.resolve(product) or product
    filters = SearchFilters(
        product=product,
        indication=indication,
        population=population,  # type: ignore[arg-type]
        max_minutes=max_minutes,
        limit=limit,
    )
    try:
        result = search_centers(
            address, filters, rule_id, geocoder=current_geocoder(), catalog=current_catalog()
        )
    except AmbiguousPlace as error:
        click.echo(error.message, err=True)
        for place in error.candidates:
            click.echo(f"  {place.label}", err=True)
        sys.exit(2)
    except (GeocodingError, DomainError) as error:
        click.echo(error.message, err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(search_json(result), indent=2))
        return
    click.echo(search_table(result))


def search_table(result: SearchResult) -> str:
    """The ranked centers as a plain-text table."""
    rule = result.rule
    lines = [
        f"Near {result.origin.label} (located by {result.origin.precision}); "
        f"rule {rule.id}: stay within {rule.stay_radius_minutes} min for {rule.stay_days} days.",
        "",
        f"{'#':>3}  {'center':<44} {'city':<22} {'miles':>6} {'drive':>7}  stay home?",
    ]
    for number, ranked in enumerate(result.results, start=1):
        reach, center = ranked.reach, ranked.center
        drive = f"{reach.drive_minutes:.0f} min" if reach.drive_minutes is not None else "no road"
        stay = "yes" if reach.within_proximity else "no"
        if reach.borderline:
            stay += " (borderline)"
        city = f"{center.address.city}, {center.address.state}"
        lines.append(
            f"{number:>3}  {center.name[:44]:<44} {city[:22]:<22} "
            f"{reach.distance_mi:>6.0f} {drive:>7}  {stay}"
        )
    if not result.results:
        lines.append("  No center matches these filters.")
    return "\n".join(lines)
