"""The provider's dashboard of referred patients, filtered by stage, center and overdue, searched
by a part of the patient's name (POST), and its CSV export."""

from flask import Response, render_template, request, url_for

from finder.referrals.forms import page_words
from finder.referrals.pages import referrals
from finder.referrals.pages.lists import (
    centers,
    choices,
    exported,
    filter_args,
    filters_of,
    listed,
)
from finder.referrals.records import visible_referrals
from finder.storage import db
from finder.storage.models import ReferralRow
from finder.web.access import PROVIDER, allow, signed_in_actor


def _dashboard() -> tuple[str, int]:
    form = request.form if request.method == "POST" else request.args
    filters = filters_of(form)
    rows = listed(filters)
    query = visible_referrals(signed_in_actor()).with_only_columns(ReferralRow.center_id)
    referred_to = sorted(set(db.session().scalars(query.distinct())))
    page = render_template(
        "referrals/dashboard.html",
        rows=rows,
        filters=filters,
        centers=centers(),
        center_choices=choices(referred_to),
        export=url_for("pages.referrals.export", **filter_args(filters)),
        without_search=url_for("pages.referrals.dashboard", **filter_args(filters)),
        **page_words(),
    )
    return page, 200


@referrals.get("/referrals")
@allow(PROVIDER)
def dashboard() -> tuple[str, int]:
    """The provider's referred patients, filtered by stage, center and overdue (GET)."""
    return _dashboard()


@referrals.post("/referrals")
@allow(PROVIDER)
def search() -> tuple[str, int]:
    """The same list searched by a part of the patient's name, sent in the body, not the URL."""
    return _dashboard()


@referrals.get("/referrals.csv")
@allow(PROVIDER)
def export() -> Response:
    """The rows the dashboard shows with these filters, as CSV."""
    return exported(filters_of(request.args), "referrals.csv")
