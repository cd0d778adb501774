"""The /coverage page: the map, the national and per-state table, the CSV, and the planner."""

import csv
import io
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext

from finder.coverage.api import COVERAGE
from finder.coverage.doors import coverage_args, coverage_cache
from finder.coverage.forms import DEFAULT_K, PlanFormError, read_plan_form
from finder.coverage.maps import BANDS, COLOURS, MapPoint, coverage_map
from finder.coverage.service import (
    DEFAULT_CANDIDATE_PEOPLE,
    Coverage,
    Plan,
    center_rows,
    coverage,
    coverage_json,
    plan_sites,
    product_choices,
    product_ids,
)
from finder.domain.errors import DomainError
from finder.extensions import current_catalog, current_geocoder
from finder.search.maps import MapAssets
from finder.web.access import PUBLIC, STAFF, allow
from finder.web.auth import current_actor
from finder.web.errors import BadRequest
from finder.web.params import Param, parse_query

coverage_pages = Blueprint("coverage", __name__)
FORM = (*COVERAGE, Param("lang"))


@coverage_pages.get("/coverage")
@allow(PUBLIC)
def coverage_page() -> tuple[str, int]:
    """Coverage for the chosen rule, product and state; anyone may look."""
    try:
        values = parse_query(FORM, request.args)
    except BadRequest:
        return _render(
            None, {}, error=gettext("Choose a rule, product and state from the lists.")
        ), 400
    return _render(values, {})


@coverage_pages.post("/coverage/plan")
@allow(STAFF)
def plan_page() -> tuple[str, int]:
    """The planner: staff and admins."""
    values = {"rule": request.form.get("rule") or None, "product": None, "state": None}
    values["product"] = request.form.get("product") or None
    try:
        form = read_plan_form(request.form, current_geocoder())
        plan = plan_sites(
            current_catalog(),
            coverage_cache(),
            form.k,
            rule_id=form.rule,
            product=form.product,
            candidates=form.candidates,
        )
    except PlanFormError as error:
        return _render(values, {"text": error.text}, plan_error=error.message), 422
    except DomainError:
        return _render(
            None, {}, plan_error=gettext("Choose a rule and product from the lists.")
        ), 400
    return _render(values, {"text": form.text, "k": form.k}, plan=plan)


@coverage_pages.get("/coverage.csv")
@allow(PUBLIC)
def coverage_csv() -> Response:
    """The table as CSV: every state, then the whole."""
    values = parse_query(COVERAGE, request.args)
    body = coverage_json(coverage(current_catalog(), coverage_cache(), **coverage_args(values)))
    out = io.StringIO()
    writer = csv.writer(out)
    bands = [b["max_minutes"] for b in body["bands"]]
    writer.writerow(
        [
            "state",
            "population",
            *(f"within_{b}_min" for b in bands),
            *(f"share_{b}_min" for b in bands),
        ]
    )
    for row in [*body["by_state"], {**body, "state": "ALL"}]:
        if "population" not in row:
            row["population"] = body["population_total"]
        writer.writerow(
            [
                row["state"],
                row["population"],
                *(b["population"] for b in row["bands"]),
                *(b["share"] for b in row["bands"]),
            ]
        )
    name = "coverage-{}-{}{}.csv".format(
        body["rule"], body["product"] or "all", f"-{body['state']}" if body["state"] else ""
    )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _render(
    values: dict[str, Any] | None,
    planner: dict[str, Any],
    *,
    error: str | None = None,
    plan_error: str | None = None,
    plan: Plan | None = None,
) -> str:
    catalog = current_catalog()
    values = values or {"rule": None, "product": None, "state": None}
    if plan is not None:
        values = {"rule": plan.rule.id, "product": plan.product, "state": None}
    result = coverage(catalog, coverage_cache(), **coverage_args(values))
    actor = current_actor()
    rows = _center_rows(result)
    page_map = coverage_map(
        result,
        [MapPoint(c.lat, c.lon, c.name) for c in rows],
        [MapPoint(s.candidate.lat, s.candidate.lon, s.candidate.label) for s in plan.sites]
        if plan
        else [],
        assets=MapAssets(
            leaflet_js=url_for("static", filename="vendor/leaflet/leaflet.js"),
            leaflet_css=url_for("static", filename="vendor/leaflet/leaflet.css"),
            basemap_geojson=url_for("static", filename="basemap/us-states.geojson"),
        ),
        tile_url=current_app.config["TILE_URL"],
    )
    return render_template(
        "coverage.html",
        form=values,
        result=result,
        body=coverage_json(result),
        map=page_map,
        bands=BANDS,
        colours=COLOURS,
        rules=catalog.rules.rules,
        default_rule=catalog.rules.default_id,
        product_options=product_choices(catalog.products),
        product_names=catalog.products.names,
        states=sorted(set(coverage_cache().people.state.tolist())),
        centers_shown=len(rows),
        may_plan=actor is not None and actor.role in (STAFF.roles or ()),
        signed_out=actor is None,
        planner={"k": DEFAULT_K, "text": "", **planner},
        plan=plan,
        plan_error=plan_error,
        error=error,
        default_people=DEFAULT_CANDIDATE_PEOPLE,
    )


def _center_rows(result: Coverage) -> list[Any]:
    index = current_catalog().centers
    used = sorted({int(i) for i in result.center.tolist() if i >= 0})
    if result.state is None:
        used = center_rows(index, product_ids(current_catalog(), result.product))
    return [index.centers[i] for i in used]
