"""The referral lists: the provider's dashboard of referred patients, the center's referrals by
stage, their CSV exports, and the form to refer a patient.

Patient names never travel in a URL (URLs are logged): filters are GET, a name search is a
POST, and an export takes the filters but never the name.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from finder.booking.pages.provider import center_or_404, signed_in_actor
from finder.domain.accounts import Role
from finder.domain.errors import DomainError
from finder.domain.journey import LABELS
from finder.domain.products import NotOnLabel
from finder.extensions import current_catalog, current_geocoder
from finder.referrals import views
from finder.referrals.records import ReferralExists, refer, visible_referrals
from finder.storage import db
from finder.storage.models import ReferralRow, UserRow
from finder.web.access import CENTER_STAFF, PROVIDER, allow
from finder.web.auth import now
from finder.web.local_times import zone_names
from finder.web.referral_forms import (
    NEW_FIELDS,
    entered,
    label_problem,
    page_words,
    parse_new_referral,
    stage_problem,
)
from finder.web.referral_timeline import TIMELINE, audit, center_today

referrals = Blueprint("referrals", __name__)


def _latest_today() -> date:
    """The latest date in any US zone: a stage dated today at any center is not in the future."""
    moment = now()
    return max(moment.astimezone(ZoneInfo(zone)).date() for zone in zone_names())


def _filters(args: Mapping[str, str], center_id: str | None = None) -> views.ReferralFilters:
    """The filters of a GET query or a search form; a name only ever comes in a POST body."""
    stage = args.get("stage", "")
    if stage and stage not in LABELS:
        abort(400, description=gettext("Choose a stage from the list."))
    return views.ReferralFilters(
        stage=stage or None,
        center_id=center_id or (args.get("center", "")[:80] or None),
        search=args.get("search", "").strip()[: views.MAX_SEARCH]
        if request.method == "POST"
        else "",
        overdue_only=args.get("overdue") == "1",
    )


def _rows(filters: views.ReferralFilters, today: date) -> list[views.DashboardRow]:
    return views.dashboard(
        db.session(), signed_in_actor(), current_catalog(), today=today, now=now(), filters=filters
    )


def _centers() -> dict[str, Any]:
    return {center.id: center for center in current_catalog().centers.centers}


def _practices(rows: list[views.DashboardRow]) -> dict[int, UserRow]:
    ids = {row.referral.provider_id for row in rows}
    found = db.session().scalars(select(UserRow).where(UserRow.id.in_(ids))) if ids else []
    return {user.id: user for user in found}


# --- The provider's dashboard -------------------------------------------------------------


def _dashboard(status: int = 200) -> tuple[str, int]:
    form = request.form if request.method == "POST" else request.args
    filters = _filters(form)
    rows = _rows(filters, _latest_today())
    query = visible_referrals(signed_in_actor()).with_only_columns(ReferralRow.center_id)
    referred_to = sorted(set(db.session().scalars(query.distinct())))
    audit("referrals_searched" if filters.search else "referrals_listed")
    db.session().commit()
    centers = _centers()
    page = render_template(
        "referrals/dashboard.html",
        rows=rows,
        filters=filters,
        centers=centers,
        center_choices=[(c, centers[c].name if c in centers else c) for c in referred_to],
        export=url_for("pages.referrals.export", **_filter_args(filters)),
        without_search=url_for("pages.referrals.dashboard", **_filter_args(filters)),
        **page_words(),
    )
    return page, status


def _filter_args(filters: views.ReferralFilters, *, center: bool = True) -> dict[str, str]:
    """The filters that may go in a URL: never the name searched for."""
    args = {"stage": filters.stage or "", "overdue": "1" if filters.overdue_only else ""}
    if center and filters.center_id:
        args["center"] = filters.center_id
    return {name: value for name, value in args.items() if value}


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


def _csv(rows: list[views.DashboardRow], filename: str) -> Response:
    return Response(
        views.export_csv(rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@referrals.get("/referrals.csv")
@allow(PROVIDER)
def export() -> Response:
    """The rows the dashboard shows with these filters, as CSV."""
    rows = _rows(_filters(request.args), _latest_today())
    audit("referrals_exported")
    db.session().commit()
    return _csv(rows, "referrals.csv")


# --- The center's referrals ----------------------------------------------------------------


def _center_dashboard(center_id: str) -> tuple[str, int]:
    center = center_or_404(center_id)
    form = request.form if request.method == "POST" else request.args
    filters = _filters(form, center_id)
    rows = _rows(filters, center_today(center_id))
    audit("referrals_searched" if filters.search else "referrals_listed", center_id=center_id)
    db.session().commit()
    actor = signed_in_actor()
    others = sorted(actor.center_ids) if actor.role is Role.STAFF else []
    centers = _centers()
    page = render_template(
        "referrals/center.html",
        center=center,
        groups=views.by_stage(rows),
        count=len(rows),
        filters=filters,
        practices=_practices(rows),
        my_centers=[(c, centers[c].name if c in centers else c) for c in others],
        export=url_for(
            "pages.referrals.center_export",
            center_id=center_id,
            **_filter_args(filters, center=False),
        ),
        without_search=url_for(
            "pages.referrals.center_dashboard",
            center_id=center_id,
            **_filter_args(filters, center=False),
        ),
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
    filters = _filters(request.args, center_id)
    rows = _rows(filters, center_today(center_id))
    audit("referrals_exported", center_id=center_id)
    db.session().commit()
    return _csv(rows, f"referrals-{center_id}.csv")


# --- A new referral ------------------------------------------------------------------------


def _new_page(values: Mapping[str, str], errors: Mapping[str, str], status: int) -> tuple[str, int]:
    catalog = current_catalog()
    page = render_template(
        "referrals/new.html",
        values=values,
        errors=errors,
        center_choices=[
            (c.id, f"{c.name} ({c.address.city}, {c.address.state})")
            for c in sorted(catalog.centers.centers, key=lambda c: (c.name, c.id))
        ],
        indication_choices=[
            (code, f"{gettext(name)} ({code})")
            for code, name in catalog.products.indications.items()
        ],
        product_choices=[(p.id, f"{p.name} ({p.generic})") for p in catalog.products.products],
        rule_choices=[(rule.id, gettext(rule.label)) for rule in catalog.rules.rules],
        start_choices=[
            ("referral", gettext("the patient is referred for a consultation")),
            ("eligibility", gettext("eligibility is still being assessed")),
        ],
        today=_latest_today(),
        **page_words(),
    )
    return page, status


@referrals.get("/referrals/new")
@allow(PROVIDER)
def new() -> tuple[str, int]:
    """The referral form; `?center=` chooses the center."""
    catalog = current_catalog()
    center = request.args.get("center", "")
    values = {name: "" for name in NEW_FIELDS}
    values.update(rule=catalog.rules.default_id, stage="referral")
    if center in _centers():
        values["center_id"] = center
    return _new_page(values, {}, 200)


@referrals.post("/referrals/new")
@allow(PROVIDER)
def create() -> BaseResponse | tuple[str, int]:
    values = entered(request.form, NEW_FIELDS)
    today = (
        center_today(values["center_id"]) if values["center_id"] in _centers() else _latest_today()
    )
    form = parse_new_referral(
        values, catalog=current_catalog(), geocoder=current_geocoder(), today=today
    )
    if form.referral is None:
        return _new_page(values, form.errors, 400)
    session = db.session()
    try:
        made = refer(
            session,
            form.referral,
            catalog=current_catalog(),
            provider_id=signed_in_actor().user_id,
            today=today,
            now=now(),
        )
    except ReferralExists as error:  # the same patient, already referred here and still open
        session.rollback()
        return _new_page(values, {"patient_name": error.message}, 409)
    except NotOnLabel as error:
        session.rollback()
        return _new_page(values, {"product": label_problem(error)}, 400)
    except DomainError as error:
        session.rollback()
        errors = {name: stage_problem(name, reason) for name, reason in error.fields.items()}
        return _new_page(values, errors or {"stage": error.message}, 400)
    audit("referral_created", made)
    session.commit()
    flash(gettext("Referral recorded. The center's staff see it now."))
    return redirect(url_for(TIMELINE, referral_id=made.id), code=303)
