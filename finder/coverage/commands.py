"""`finder coverage` and `finder plan-sites`."""

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from finder.coverage.doors import coverage_cache
from finder.coverage.service import (
    Candidate,
    coverage,
    coverage_json,
    plan_json,
    plan_sites,
)
from finder.domain.errors import DomainError
from finder.extensions import current_catalog


@click.command("coverage")
@click.option("--rule", "rule_id", help="Proximity rule set (default us-2025).")
@click.option("--product", help="A product id, or a product class: CD19, BCMA.")
@click.option("--state", help="One state or territory (USPS code).")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a table.")
@with_appcontext
def coverage_command(
    rule_id: str | None, product: str | None, state: str | None, as_json: bool
) -> None:
    """Population within 1 hour, the rule's radius and 4 hours by road of a center."""
    try:
        body = coverage_json(
            coverage(current_catalog(), coverage_cache(), rule_id=rule_id, product=product,
                     state=state)
        )  # fmt: skip
    except DomainError as error:
        click.echo(error.message, err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(body, indent=2))
        return
    bands = [b["max_minutes"] for b in body["bands"]]
    click.echo(
        f"Rule {body['rule']}, {body['product'] or 'all products'}: "
        f"{body['population_total']:,} people counted."
    )
    click.echo(f"{'state':<6}{'people':>13}" + "".join(f"{f'≤{b} min':>11}" for b in bands))
    for row in [
        *body["by_state"],
        {**body, "state": "all", "population": body["population_total"]},
    ]:
        shares = "".join(f"{b['share']:>11.1%}" for b in row["bands"])
        click.echo(f"{row['state']:<6}{row['population']:>13,}{shares}")
    missing = ", ".join(m["state"] for m in body["source"]["missing"])
    click.echo(f"No ZIP-level population for {missing}: left out.")


@click.command("plan-sites")
@click.option("--k", type=click.IntRange(1, 50), required=True, help="How many sites.")
@click.option("--rule", "rule_id", help="Proximity rule set (default us-2025).")
@click.option("--product", help="A product id, or a product class: CD19, BCMA.")
@click.option(
    "--candidates",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV with label,lat,lon (default: ZIP areas of 10,000 people or more).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of a list.")
@with_appcontext
def plan_sites_command(
    k: int, rule_id: str | None, product: str | None, candidates: Path | None, as_json: bool
) -> None:
    """The k sites that bring the most people within the rule's radius of a center."""
    given = read_candidates(candidates) if candidates else None
    with click.progressbar(length=1, label="Measuring candidates", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            plan = plan_sites(
                current_catalog(), coverage_cache(), k, rule_id=rule_id, product=product,
                candidates=given, progress=progress,
            )  # fmt: skip
        except DomainError as error:
            click.echo(error.message, err=True)
            sys.exit(2)
    body: dict[str, Any] = plan_json(plan)
    if as_json:
        click.echo(json.dumps(body, indent=2))
        return
    click.echo(
        f"Within {plan.rule.stay_radius_minutes} min: {body['before']:.1%} now, "
        f"{body['after']:.1%} with these sites ({body['method']}; the best possible is at most "
        f"{body['after_at_most']:.1%})."
    )
    for number, site in enumerate(body["sites"], start=1):
        click.echo(f"{number:>3}. {site['label']} ({site['state']}): +{site['gain']:,} people")


def read_candidates(path: Path) -> list[Candidate]:
    """label,lat,lon rows; a bad row stops with its line number."""
    found = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
                label = (row.get("label") or "").strip()
                if not label or not (-90 <= lat <= 90 and -180 <= lon <= 180):
                    raise ValueError
            except (KeyError, TypeError, ValueError):
                click.echo(f"{path}:{line}: needs label, lat and lon.", err=True)
                sys.exit(2)
            found.append(Candidate(label[:200], lat, lon))
    return found
