"""The referral pages: the provider's dashboard of referred patients, the center's referrals by
stage, a new referral, and each referral's timeline with its stay plan and history.

Patient names never travel in a URL (URLs are logged): filters are GET, a name search is a
POST. A referral that is not the caller's is answered as no referral at all (404).
"""

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from finder.domain.accounts import Actor, Role
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.journey import LABELS, InvalidStageChange, StageNotAllowed, journey, move_allowed
from finder.domain.journey_flags import days_in_stage, overdue
from finder.extensions import current_catalog, current_geocoder
from finder.referrals import views
from finder.referrals.records import (
    ReferralChanged,
    find_referral,
    history,
    record_stage,
    refer,
    set_home,
    visible_referrals,
)
from finder.storage import db
from finder.storage.models import BookingRow, ReferralRow, SlotRow, UserRow
from finder.web.access import CENTER_STAFF, PROVIDER, SIGNED_IN, allow
from finder.web.auth import now, record_event
from finder.web.booking_form import MAX_ID
from finder.web.booking_pages import center_or_404, signed_in_actor
from finder.web.local_times import time_text, zone_names
from finder.web.my_bookings import status_names
from finder.web.referral_forms import (
    ALL_STAGES,
    NEW_FIELDS,
    check_note,
    days_text,
    entered,
    flag_text,
    locate_home,
    parse_day,
    parse_new_referral,
    parse_planned,
    plan_sentences,
    precision_words,
    stage_names,
    stage_problem,
)

referrals = Blueprint("referrals", __name__)
TIMELINE = "pages.referrals.timeline"
FILTERS = ("stage", "center", "overdue")


def _audit(action: str, referral: ReferralRow | None = None, **what: Any) -> None:
    if referral is not None:
        what.update(target_id=referral.id, center_id=referral.center_id)
    record_event(action, target_type="referral", **what)


def _today(center_id: str) -> date:
    """The center's local date: no stage may be dated after it."""
    try:
        zone = current_catalog().centers.get(center_id).timezone
    except UnknownReference:
        zone = "UTC"
    return now().astimezone(ZoneInfo(zone)).date()


def _latest_today() -> date:
    """The latest date in any US zone: a stage dated today at any center is not in the future."""
    moment = now()
    return max(moment.astimezone(ZoneInfo(zone)).date() for zone in zone_names())


def _filters(args: Mapping[str, str], center_id: str | None = None) -> views.ReferralFilters:
    stage = args.get("stage", "")
    if stage and stage not in LABELS:
        abort(400, description=gettext("Choose a stage from the list."))
    return views.ReferralFilters(
        stage=stage or None,
        center_id=center_id or (args.get("center", "")[:80] or None),
        search=args.get("search", "").strip()[: views.MAX_SEARCH],
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


def _page_words() -> dict[str, Any]:
    return {
        "stage_names": stage_names(),
        "all_stages": ALL_STAGES,
        "days_text": days_text,
        "flag_text": flag_text,
        "time_text": time_text,
    }


# --- The provider's dashboard -------------------------------------------------------------


def _dashboard(status: int = 200) -> tuple[str, int]:
    form = request.form if request.method == "POST" else request.args
    filters = _filters(form)
    rows = _rows(filters, _latest_today())
    query = visible_referrals(signed_in_actor()).with_only_columns(ReferralRow.center_id)
    referred_to = sorted(set(db.session().scalars(query.distinct())))
    _audit("referrals_searched" if filters.search else "referrals_listed")
    db.session().commit()
    centers = _centers()
    page = render_template(
        "referrals/dashboard.html",
        rows=rows,
        filters=filters,
        centers=centers,
        center_choices=[(c, centers[c].name if c in centers else c) for c in referred_to],
        export=url_for("pages.referrals.export", **_filter_args(filters)),
        **_page_words(),
    )
    return page, status


def _filter_args(filters: views.ReferralFilters) -> dict[str, str]:
    """The filters that may go in a URL: never the name searched for."""
    args = {"stage": filters.stage or "", "overdue": "1" if filters.overdue_only else ""}
    if filters.center_id:
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
    rows = _rows(_filters({**request.args.to_dict(), "search": ""}), _latest_today())
    _audit("referrals_exported")
    db.session().commit()
    return _csv(rows, "referrals.csv")


# --- The center's referrals ----------------------------------------------------------------


def _center_dashboard(center_id: str) -> tuple[str, int]:
    center = center_or_404(center_id)
    form = request.form if request.method == "POST" else request.args
    filters = _filters(form, center_id)
    rows = _rows(filters, _today(center_id))
    _audit("referrals_searched" if filters.search else "referrals_listed", center_id=center_id)
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
            "pages.referrals.center_export", center_id=center_id, **_filter_args(filters)
        ),
        **_page_words(),
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
    filters = _filters({**request.args.to_dict(), "search": ""}, center_id)
    rows = _rows(filters, _today(center_id))
    _audit("referrals_exported", center_id=center_id)
    db.session().commit()
    return _csv(rows, f"referrals-{center_id}.csv")


# --- A new referral ------------------------------------------------------------------------


def _new_page(values: Mapping[str, str], errors: Mapping[str, str], status: int) -> tuple[str, int]:
    catalog = current_catalog()
    page = render_template(
        "referrals/new.html",
        values=values,
        errors=errors,
        centers=sorted(catalog.centers.centers, key=lambda c: (c.name, c.id)),
        indications=catalog.products.indications,
        products=catalog.products.products,
        rules=catalog.rules.rules,
        start_stages=("referral", "eligibility"),
        today=_latest_today(),
        **_page_words(),
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
    today = _today(values["center_id"]) if values["center_id"] in _centers() else _latest_today()
    form = parse_new_referral(
        values, catalog=current_catalog(), geocoder=current_geocoder(), today=today
    )
    if form.referral is None:
        return _new_page(values, form.errors, 400)
    session = db.session()
    try:
        made = refer(
            session, form.referral, provider_id=signed_in_actor().user_id, today=today, now=now()
        )
    except DomainError as error:
        session.rollback()
        errors = {name: stage_problem(name, reason) for name, reason in error.fields.items()}
        return _new_page(values, errors or {"stage": error.message}, 400)
    _audit("referral_created", made)
    session.commit()
    flash(gettext("Referral recorded. The center's staff see it now."))
    return redirect(url_for(TIMELINE, referral_id=made.id), code=303)


# --- The timeline ----------------------------------------------------------------------------


def _find(referral_id: int) -> ReferralRow:
    if referral_id > MAX_ID:
        abort(404, description=gettext("No such referral."))
    try:
        return find_referral(db.session(), signed_in_actor(), referral_id)
    except UnknownReference:
        abort(404, description=gettext("No such referral."))


def _booking_link(actor: Actor, booking: BookingRow) -> str:
    if actor.role is Role.STAFF:
        return url_for("staff.booking", center_id=booking.center_id, booking_id=booking.id)
    return url_for("pages.bookings.detail", booking_id=booking.id)


def _timeline_page(
    referral: ReferralRow,
    *,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    alert: tuple[str, str] | None = None,  # (form, message)
    status: int = 200,
) -> tuple[str, int]:
    actor, catalog, session = signed_in_actor(), current_catalog(), db.session()
    center = center_or_404(referral.center_id)
    today = _today(referral.center_id)
    past = history(referral)
    view = journey(past)
    rule = views.rule_of(referral, catalog)
    flags = overdue(past, today, rule=rule, infusion_days=views.infusion_days(referral, catalog))
    plan = views.referral_plan(referral, catalog)
    people = {e.change.by_user_id for e in view.entries} | {referral.provider_id}
    users = {u.id: u for u in session.scalars(select(UserRow).where(UserRow.id.in_(people)))}
    bookings = list(
        session.scalars(
            select(BookingRow)
            .join(SlotRow, BookingRow.slot_id == SlotRow.id)
            .where(BookingRow.referral_id == referral.id)
            .order_by(SlotRow.start_at)
        )
    )
    current = view.stage
    page = render_template(
        "referrals/timeline.html",
        referral=referral,
        center=center,
        journey=view,
        users=users,
        provider=users.get(referral.provider_id),
        days=days_in_stage(past, today),
        flags=flags,
        plan=plan,
        plan_lines=plan_sentences(
            plan, center.name, referral.home_label, referral.home_precision
        )
        if plan
        else [],
        rule=rule,
        indication=catalog.products.indications.get(referral.indication, referral.indication),
        product=catalog.products.names.get(referral.product or "", referral.product),
        next_stages=[s for s in ALL_STAGES if move_allowed(current, s)],
        bookings=[(b, _booking_link(actor, b)) for b in bookings],
        statuses=status_names(),
        precision=precision_words().get(referral.home_precision, ""),
        today=today,
        long_day=lambda day: format_date(day, "long"),
        is_staff=actor.role is not Role.PROVIDER,
        errors=errors or {},
        values=values or {},
        alert=alert,
        **_page_words(),
    )
    return page, status


@referrals.get("/referrals/<int:referral_id>")
@allow(SIGNED_IN)
def timeline(referral_id: int) -> tuple[str, int]:
    """One referral: the patient, the stay plan, the history and the forms to move it on."""
    found = _find(referral_id)
    _audit("referral_viewed", found)
    db.session().commit()
    return _timeline_page(found)


@referrals.post("/referrals/<int:referral_id>/plan")
@allow(SIGNED_IN)
def save_plan(referral_id: int) -> BaseResponse | tuple[str, int]:
    """The planned infusion date and the patient's home."""
    found = _find(referral_id)
    values = entered(request.form, ("planned_infusion", "home"))
    errors: dict[str, str] = {}
    planned = parse_planned(
        values["planned_infusion"], _today(found.center_id), errors, name="plan-infusion"
    )
    home_changed = values["home"].strip() != found.home_label
    home = locate_home(values["home"], current_geocoder(), errors, name="plan-home")
    if errors:
        message = gettext("The plan was not saved. Check the fields marked below.")
        return _timeline_page(
            found, errors=errors, values=values, alert=("plan", message), status=400
        )
    found.planned_infusion = planned
    if home_changed:
        set_home(found, home)
    found.updated_at = now()
    _audit("referral_plan_changed", found)
    db.session().commit()
    flash(gettext("Plan saved."))
    return redirect(url_for(TIMELINE, referral_id=found.id, _anchor="plan"), code=303)


def _record(referral_id: int, *, correction: bool) -> BaseResponse | tuple[str, int]:
    """Append a move or a correction; a refusal changes nothing, is audited, and is shown."""
    found = _find(referral_id)
    form = "fix" if correction else "move"
    values = entered(request.form, ("stage", "at", "note"))
    errors: dict[str, str] = {}
    at = parse_day(values["at"])
    if at is None:
        errors[f"{form}-at"] = stage_problem("at", "")
    if correction:
        check_note(values["note"], required=True, errors=errors, name=f"{form}-note")
    action = "referral_corrected" if correction else "referral_stage_recorded"
    session = db.session()
    if at is not None and not errors:
        try:
            record_stage(
                session, found, values["stage"], actor=signed_in_actor(), at=at,
                note=values["note"], today=_today(found.center_id), now=now(),
                correction=correction,
            )  # fmt: skip
        except DomainError as error:
            session.rollback()
            _audit(action, _find(referral_id), outcome=error.code)
            session.commit()
            return _refused(_find(referral_id), form, values, error)
        _audit(action, found)
        session.commit()
        stage = stage_names()[found.stage]
        flash(
            gettext("Corrected: %(stage)s.", stage=stage)
            if correction
            else gettext("Recorded: %(stage)s.", stage=stage)
        )
        return redirect(url_for(TIMELINE, referral_id=found.id, _anchor="history"), code=303)
    message = gettext("Nothing was recorded. Check the fields marked below.")
    return _timeline_page(found, errors=errors, values=values, alert=(form, message), status=400)


def _refused(
    referral: ReferralRow, form: str, values: Mapping[str, str], error: DomainError
) -> tuple[str, int]:
    """The timeline again with the domain's reason: 400 for a field to correct, 409 for a
    referral changed meanwhile, 422 for a stage the journey cannot reach."""
    errors = {f"{form}-{name}": stage_problem(name, reason) for name, reason in error.fields.items()}
    if isinstance(error, StageNotAllowed):
        errors[f"{form}-stage"] = error.message
        return _timeline_page(
            referral, errors=errors, values=values, alert=(form, error.message), status=422
        )
    if isinstance(error, ReferralChanged):
        message = gettext("This referral was changed meanwhile. Its current state is shown below.")
        return _timeline_page(referral, alert=(form, message), status=409)
    status = 400 if isinstance(error, InvalidStageChange) else 422
    message = gettext("Nothing was recorded. Check the fields marked below.")
    if "entry" in error.fields:
        message = gettext("There is no entry in effect to correct.")
    return _timeline_page(
        referral, errors=errors, values=values, alert=(form, message), status=status
    )


@referrals.post("/referrals/<int:referral_id>/stage")
@allow(SIGNED_IN)
def record_next_stage(referral_id: int) -> BaseResponse | tuple[str, int]:
    """Record the next stage; only the moves the journey allows are taken."""
    return _record(referral_id, correction=False)


@referrals.post("/referrals/<int:referral_id>/correction")
@allow(SIGNED_IN)
def correct_last_entry(referral_id: int) -> BaseResponse | tuple[str, int]:
    """Correct the last entry: a new entry supersedes it, and both stay in the history."""
    return _record(referral_id, correction=True)
