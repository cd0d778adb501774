"""A center's referrals for its staff, grouped by stage in journey order with counts, searched by
a part of the patient's name (POST), and their CSV export; below them, the center's booking
outcomes by month, the table the week page shows."""

from flask import Response, render_template, request, url_for

from finder.domain.accounts import Role
from finder.referrals import views
from finder.referrals.forms import page_words
from finder.referrals.pages import referrals
from finder.referrals.pages.lists import (
    choices,
    exported,
    filter_args,
    filters_of,
    listed,
    practices,
)
from finder.storage import db
from finder.web.access import CENTER_STAFF, allow, center_or_404, signed_in_actor
from finder.web.outcomes import outcome_table


def _center_dashboard(center_id: str) -> tuple[str, int]:
    center = center_or_404(center_id)
    form = request.form if request.method == "POST" else request.args
    filters = filters_of(form, center_id)
    rows = listed(filters)
    actor = signed_in_actor()
    others = sorted(actor.center_ids) if actor.role is Role.STAFF else []
    page = render_template(
        "referrals/center.html",
        center=center,
        groups=views.by_stage(rows),
        count=len(rows),
        filters=filters,
        practices=practices(rows),
        my_centers=choices(others),
        export=url_for(
            "pages.referrals.center_export",
            center_id=center_id,
            **filter_args(filters, center=False),
        ),
        without_search=url_for(
            "pages.referrals.center_dashboard",
            center_id=center_id,
            **filter_args(filters, center=False),
        ),
        outcomes=outcome_table(db.session(), center),
        **page_words(),
    )
    return page, 200


@referrals.get("/staff/centers/<center_id>/referrals")
@allow(CENTER_STAFF)
def center_dashboard(center_id: str) -> tuple[str, int]:
    """The center's referrals grouped by stage in journey order, with counts."""
    return _center_dashboard(center_id)


@referrals.post("/staff/centers/<center_id>/referrals")
@allow(CENTER_STAFF)
def center_search(center_id: str) -> tuple[str, int]:
    return _center_dashboard(center_id)


@referrals.get("/staff/centers/<center_id>/referrals.csv")
@allow(CENTER_STAFF)
def center_export(center_id: str) -> Response:
    center_or_404(center_id)
    return exported(filters_of(request.args, center_id), f"referrals-{center_id}.csv")
