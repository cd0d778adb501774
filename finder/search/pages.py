"""The patient-facing search page: a form, the ranked list, and the map."""

from datetime import date
from functools import lru_cache
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale, gettext

from finder.booking.calendar import next_free
from finder.booking.pages.my_bookings import bookings
from finder.booking.pages.provider import booking
from finder.centers.catalog import Catalog
from finder.config import PROJECT_ROOT
from finder.domain.errors import DomainError
from finder.domain.ranking import RankedCenter
from finder.domain.stay_plan import StayPlan
from finder.extensions import current_catalog, current_geocoder
from finder.geocoding import AmbiguousPlace, GeocodingError, InvalidQuery, PlaceNotFound
from finder.referrals.pages import referral_page, referrals
from finder.search.api import SEARCH, search_filters
from finder.search.center_page import center_page
from finder.search.maps import MapAssets
from finder.search.results_page import ResultsPage, results_page
from finder.search.words import (
    PlainLanguage,
    answer_lines,
    distance_text,
    drive_text,
    miles_text,
)
from finder.storage import db
from finder.web.access import PROVIDER, PUBLIC, allow
from finder.web.auth import current_actor, now
from finder.web.errors import BadRequest
from finder.web.local_times import short_day_text
from finder.web.params import Param, parse_query

pages = Blueprint("pages", __name__)
pages.register_blueprint(booking)  # /book/<center_id>: endpoints pages.booking.*
pages.register_blueprint(bookings)  # /bookings: endpoints pages.bookings.*
pages.register_blueprint(referrals)  # /referrals and a center's referrals: pages.referrals.*
pages.register_blueprint(referral_page)  # /referrals/<referral_id>: endpoints pages.referral.*
pages.register_blueprint(center_page)  # /centers/<center_id>: endpoint pages.center.show
PAGE_LIMIT = 50
# Rules kept for old links and the API, no longer offered on the form.
RETIRED_RULES = frozenset({"us-rems-2024"})
FORM = (
    Param("near", description="Where the patient lives."),
    *(p for p in SEARCH if p.name not in ("near", "limit")),
    Param("limit", kind="integer", minimum=1, maximum=200, default=PAGE_LIMIT),
    Param("lang"),
)


@pages.get("/")
@allow(PUBLIC)
def search() -> tuple[str, int]:
    """The form, and the results when `near` is given."""
    catalog = current_catalog()
    context: dict[str, Any] = {"form": {}, "page": None, "error": None, "candidates": []}
    try:
        values = parse_query(FORM, request.args)
    except BadRequest as error:
        # Keep everything typed, the address too, so nothing has to be entered again.
        context["form"] = request.args.to_dict()
        context["error"] = _choices_message(error.fields)
        return _render(catalog, context), 400
    context["form"] = values
    if values["near"]:
        # An unspecified age searches adult programs: most patients are adults, and a children's
        # hospital first in an adult's list is wrong.
        filters = search_filters({**values, "population": values["population"] or "adult"})
        try:
            context["page"] = results_page(
                values["near"],
                filters,
                values["rule"],
                geocoder=current_geocoder(),
                catalog=catalog,
                today=date.today(),
                describe=CenterPopup(catalog.products.names),
                assets=_assets(),
                land_path=PROJECT_ROOT / "static" / "basemap" / "us-land.geojson",
                tile_url=current_app.config["TILE_URL"],
                zone_label=lambda rule: gettext(
                    "Within %(hours)d hours by road (estimate)",
                    hours=rule.stay_radius_minutes // 60,
                ),
            )
        except AmbiguousPlace as error:
            context["error"] = gettext(
                "More than one place has that name. Choose one, or add the state or ZIP code."
            )
            context["candidates"] = error.candidates
        except GeocodingError as error:
            context["error"] = _location_message(error)
            if isinstance(error, PlaceNotFound):
                context["suggestions"] = error.suggestions
        except DomainError as error:
            context["error"] = _choices_message(error.fields)
    if context["page"] is not None:
        context.update(_booking_links(context["page"]))
        context["answer"] = answer_lines(context["page"], catalog.products.names, values)
    return _render(catalog, context), 422 if context["error"] else 200


def _booking_links(page: ResultsPage) -> dict[str, Any]:
    """Each shown center's next free consultation day (its local date), in one query, and
    whether the caller may book: providers and admins book, the signed-out are asked to sign in."""
    centers = [row.ranked.center for row in page.rows]
    starts = next_free(db.session(), centers, now=now())
    actor = current_actor()
    return {
        "next_free": {
            c.id: short_day_text(starts[c.id], c.timezone) for c in centers if c.id in starts
        },
        "may_book": actor is not None and actor.role in (PROVIDER.roles or ()),
        "signed_out": actor is None,
    }


def _render(catalog: Catalog, context: dict[str, Any]) -> str:
    return render_template(
        "search.html",
        **context,
        products=catalog.products.products,
        product_names=catalog.products.names,
        indications=catalog.products.indications,
        rules=[r for r in catalog.rules.rules if r.id not in RETIRED_RULES],
        default_rule=catalog.rules.default_id,
        plain_language=PlainLanguage(),
        drive_text=drive_text,
        distance_text=distance_text,
    )


def _assets() -> MapAssets:
    return MapAssets(
        leaflet_js=url_for("static", filename="vendor/leaflet/leaflet.js"),
        leaflet_css=url_for("static", filename="vendor/leaflet/leaflet.css"),
        basemap_geojson=url_for("static", filename="basemap/us-states.geojson"),
        places_geojson=url_for("static", filename="basemap/places.json"),
    )


def _choices_message(fields: dict[str, str]) -> str:
    """Which of the form's choices were not understood, by their labels."""
    labels = {
        "near": gettext("Your address, city and state, or ZIP code"),
        "indication": gettext("Disease"),
        "product": gettext("Product"),
        "population": gettext("Patient"),
        "rule": gettext("Rules for the stay after infusion"),
    }
    named = [labels[name] for name in fields if name in labels]
    if not named:
        return gettext("Some choices were not understood; check the form.")
    return gettext(
        "Some choices were not understood (%(fields)s); check the form.",
        fields=", ".join(named),
    )


def _location_message(error: GeocodingError) -> str:
    if isinstance(error, PlaceNotFound) and error.reason == "outside_us":
        return gettext("Only places in the United States and its territories can be searched.")
    if isinstance(error, InvalidQuery):
        return gettext("Enter a ZIP code, a city and state, or a street address.")
    return gettext(
        "We could not find that place. Check the spelling, or try a ZIP code or a city and state."
    )


@lru_cache(maxsize=8)
def _words(_locale: str) -> dict[str, str]:
    """Words used for every center, translated once per locale (the cache key)."""
    return {
        "stay_home": gettext("You could stay at home"),
        "lodging": gettext("Lodging near the center needed"),
        "not_listed": gettext("Products not listed: may offer it, call to ask"),
    }


class CenterPopup:
    """The popup lines of a center on the map: the facts of its list item, shorter."""

    def __init__(self, product_names: dict[str, str]) -> None:
        self.product_names = product_names

    def __call__(self, ranked: RankedCenter, plan: StayPlan) -> list[str]:
        center = ranked.center
        street = f"{center.address.street}, " if center.address.street else ""
        words = _words(str(get_locale()))
        lines = [
            f"{street}{center.address.city}, {center.address.state} {center.address.zip}",
            f"{miles_text(ranked)}, {drive_text(ranked)}",
            words["stay_home"] if plan.within_proximity else words["lodging"],
        ]
        lines += [fact for fact in (center.phone, center.website) if fact]
        if center.products:
            lines.append(", ".join(self.product_names[p] for p in center.products))
        else:
            lines.append(words["not_listed"])
        return lines
