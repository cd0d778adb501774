"""Coverage on the JSON API: who can reach a center, and where new centers would help most."""

from typing import Any

from flask import Response, jsonify, request

from finder.coverage.doors import COVERAGE, coverage_args, coverage_cache
from finder.coverage.schemas import COVERAGE_SCHEMAS
from finder.coverage.service import (
    Candidate,
    coverage,
    coverage_json,
    plan_json,
    plan_sites,
    product_choices,
)
from finder.domain.errors import DomainError
from finder.extensions import current_catalog
from finder.web.access import PUBLIC, STAFF
from finder.web.api import operations
from finder.web.errors import BadRequest
from finder.web.openapi import SCHEMAS
from finder.web.operations import json_body
from finder.web.params import parse_query

SCHEMAS.update(COVERAGE_SCHEMAS)


@operations.get(
    "/coverage",
    summary="Population within 1 hour, the rule's radius and 4 hours by road of a center, "
    "nationally and by state.",
    access=PUBLIC,
    query=COVERAGE,
    responses={200: "Coverage", 400: "Error"},
)
def coverage_report() -> Response:
    values = parse_query(COVERAGE, request.args)
    result = coverage(current_catalog(), coverage_cache(), **coverage_args(values))
    return jsonify(coverage_json(result))


@operations.post(
    "/coverage/plan",
    summary="The k sites (default: ZIP areas of 10,000 people or more) that bring the most "
    "people within the rule's radius; staff and admins.",
    access=STAFF,
    body="CoveragePlanRequest",
    responses={200: "CoveragePlan", 400: "Error", 422: "Error"},
    rate_limit="20 per minute",
)
def coverage_plan() -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    catalog = current_catalog()
    if body.get("rule") is not None and body["rule"] not in catalog.rules.ids:
        raise UnusableChoice(f"rule: not a known rule set ({', '.join(catalog.rules.ids)}).")
    if body.get("product") is not None and body["product"] not in product_choices(catalog.products):
        known = ", ".join(product_choices(catalog.products))
        raise UnusableChoice(f"product: not a known product or product class ({known}).")
    plan = plan_sites(
        catalog,
        coverage_cache(),
        int(body["k"]),
        rule_id=body.get("rule"),
        product=body.get("product"),
        candidates=candidates_of(body),
    )
    return jsonify(plan_json(plan))


class UnusableChoice(DomainError):
    """A well-formed plan naming a rule set or product the catalog does not hold: 422."""

    code = "invalid_plan"


def candidates_of(body: dict[str, Any]) -> list[Candidate] | None:
    given = body.get("candidates")
    if given is None:
        return None
    if not isinstance(given, list):  # pragma: no cover - the schema says so
        raise BadRequest("candidates must be a list.")
    return [Candidate(c["label"].strip(), float(c["lat"]), float(c["lon"])) for c in given]
