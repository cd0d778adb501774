"""A center's own page: how to reach it, what it gives, the stay plan for the patient's place
and product, lodging nearby and the makers' support programs; printable, and sendable."""

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext

from finder.booking.calendar import next_free
from finder.domain.errors import DomainError
from finder.domain.ranking import MAX_LIMIT, SearchFilters
from finder.domain.stay_plan import example_infusion_dates, stay_plan
from finder.extensions import current_catalog, current_geocoder
from finder.geocoding import GeocodingError, Place
from finder.public_url import public_link
from finder.search.lodging import lodging_near, programs_for
from finder.search.words import PlainLanguage, distance_text, drive_text
from finder.storage import db
from finder.web.access import PROVIDER, PUBLIC, allow, center_or_404
from finder.web.auth import current_actor, now
from finder.web.local_times import short_day_text
from finder.web.params import Param, parse_query

center_page = Blueprint("center", __name__)
QUERY = (
    Param("near", description="Where the patient lives, for the stay plan."),
    Param("product"),
    Param("rule"),
    Param("lang"),
)


@center_page.get("/centers/<center_id>")
@allow(PUBLIC)
def show(center_id: str) -> str:
    center = center_or_404(center_id)
    catalog = current_catalog()
    values = parse_query(QUERY, request.args)
    product = values["product"] if values["product"] in catalog.products.ids else None
    try:
        rule = catalog.rules.get(values["rule"])
    except DomainError:
        rule = catalog.rules.get(None)
    data_dir = Path(current_app.config["DATA_DIR"])
    plan_lines: list[str] = []
    reach: dict[str, str] = {}
    origin_label = share_near = None
    ranked = None
    if values["near"]:
        try:
            origin = current_geocoder().geocode(values["near"])
        except GeocodingError:
            origin = None
        if origin is not None:
            origin_label = origin.label
            share_near = _shareable(origin)
            every = catalog.centers.rank(
                origin.lat, origin.lon, rule, SearchFilters(limit=MAX_LIMIT)
            )
            ranked = next((r for r in every if r.center.id == center.id), None)
        if origin is not None and ranked is not None:
            days = catalog.products.get(product).infusion_days if product else (1,)
            plan = stay_plan(
                example_infusion_dates(date.today(), days),
                rule,
                within_proximity=ranked.reach.within_proximity,
            )
            plan_lines = PlainLanguage()(ranked, plan)
            reach = {"distance": distance_text(ranked), "drive": drive_text(ranked)}
    populations = set(center.populations)
    lodging = [
        row
        for row in lodging_near(data_dir, center.address.city, center.address.state)
        if row.for_whom == "all"
        or (row.for_whom == "adults" and "adult" in populations)
        or (row.for_whom == "children" and "pediatric" in populations)
    ]
    products = (product,) if product else center.products
    programs = programs_for(data_dir, products)
    share_args = {
        k: v
        for k, v in {"near": share_near, "product": product, "lang": values["lang"]}.items()
        if v
    }
    share_url = public_link("pages.center.show", center_id=center.id, **share_args)
    return render_template(
        "center.html",
        center=center,
        **_booking_links(center),
        product_names=catalog.products.names,
        product=product,
        rule=rule,
        origin_label=origin_label,
        plan_lines=plan_lines,
        reach=reach,
        lodging=lodging,
        programs=programs,
        program_products={
            p.id: ", ".join(catalog.products.names.get(i, i) for i in p.products) for p in programs
        },
        directions_url=_directions(center),
        share_url=share_url,
        mailto=_mailto(center.name, share_url),
        back_url=url_for("pages.search", **{k: v for k, v in values.items() if v}) + "#answer"
        if values["near"]
        else url_for("pages.search", lang=values["lang"] or None),
    )


def _booking_links(center: Any) -> dict[str, Any]:
    """The center's next free consultation day, and whether the caller may book and refer:
    providers and admins do, the signed-out are asked to sign in, staff are offered neither."""
    actor = current_actor()
    start = next_free(db.session(), [center], now=now()).get(center.id)
    return {
        "next_free": short_day_text(start, center.timezone) if start else None,
        "may_book": actor is not None and actor.role in (PROVIDER.roles or ()),
        "signed_out": actor is None,
    }


def _shareable(origin: Place) -> str | None:
    """What of the patient's place may go in a link sent to family: a ZIP code, a city or a
    state, never a street address."""
    if origin.precision == "zip":
        return origin.zip
    return origin.label if origin.precision in ("city", "state") else None


def _directions(center: Any) -> str:
    """A maps link to the center only: the patient's address never goes to the maps site."""
    address = ", ".join(
        part
        for part in (
            center.name,
            center.address.street,
            f"{center.address.city}, {center.address.state} {center.address.zip}",
        )
        if part
    )
    return "https://www.google.com/maps/dir/?" + urlencode({"api": 1, "destination": address})


def _mailto(name: str, link: str) -> str:
    subject = gettext("CAR T treatment center: %(name)s", name=name)
    body = gettext(
        "Here is the center, how to get there and where to stay nearby:\n%(link)s", link=link
    )
    return f"mailto:?subject={quote(subject)}&body={quote(body)}"
