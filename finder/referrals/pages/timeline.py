"""One referral's page: the patient, the proximity-stay plan in plain language, the history with
its corrections shown, and the forms to plan the infusion, record the next stage or correct the
last entry. Its provider, its center's staff and admins see it; anyone else gets a 404.
"""

from collections.abc import Mapping
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from finder.domain.accounts import Actor, Role
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.journey import InvalidStageChange, StageNotAllowed, journey, move_allowed
from finder.domain.journey_flags import days_in_stage, overdue
from finder.domain.products import NotOnLabel
from finder.domain.stay_plan import InvalidPlan
from finder.extensions import current_catalog, current_geocoder
from finder.referrals import use_cases, views
from finder.referrals.forms import (
    ALL_STAGES,
    booking_status_names,
    check_note,
    entered,
    locate_home,
    page_words,
    parse_day,
    parse_planned,
    planned_date_hint,
    stage_names,
    stage_problem,
)
from finder.referrals.pages import referral_page
from finder.referrals.pages.scope import TIMELINE, center_today, referral_number, seen_referral
from finder.referrals.pages.stay import plan_sentences, precision_words
from finder.referrals.records import ReferralChanged, ReferralClosed, history
from finder.storage import db
from finder.storage.models import BookingRow, ReferralRow, UserRow
from finder.web.access import SIGNED_IN, allow, center_or_404, signed_in_actor
from finder.web.commands import run


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
    today = center_today(referral.center_id)
    past = history(referral)
    view = journey(past)
    rule = views.rule_of(referral, catalog)
    flags = overdue(past, today, rule=rule, infusion_days=views.infusion_days(referral, catalog))
    plan = views.referral_plan(referral, catalog)
    people = {e.change.by_user_id for e in view.entries} | {referral.provider_id}
    users = {u.id: u for u in session.scalars(select(UserRow).where(UserRow.id.in_(people)))}
    bookings = views.bookings_of(session, referral.id)
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
        plan_lines=plan_sentences(plan, center.name, referral.home_label, referral.home_precision)
        if plan
        else [],
        rule=rule,
        indication=catalog.products.indications.get(referral.indication, referral.indication),
        product=catalog.products.names.get(referral.product or "", referral.product),
        next_stages=[s for s in ALL_STAGES if move_allowed(current, s)],
        bookings=[(b, _booking_link(actor, b)) for b in bookings],
        statuses=booking_status_names(),
        precision=precision_words().get(referral.home_precision, ""),
        today=today,
        long_day=lambda day: format_date(day, "long"),
        is_staff=actor.role is not Role.PROVIDER,
        errors=errors or {},
        values=values or {},
        alert=alert,
        **page_words(),
    )
    return page, status


@referral_page.get("/referrals/<int:referral_id>")
@allow(SIGNED_IN)
def timeline(referral_id: int) -> tuple[str, int]:
    """One referral: the patient, the stay plan, the history and the forms to move it on."""
    number = referral_number(referral_id)
    try:
        found = run(use_cases.view_referral, signed_in_actor(), number)
    except UnknownReference:
        abort(404, description=gettext("No such referral."))
    return _timeline_page(found)


@referral_page.post("/referrals/<int:referral_id>/plan")
@allow(SIGNED_IN)
def save_plan(referral_id: int) -> Response | tuple[str, int]:
    """The planned infusion date and the patient's home."""
    found = seen_referral(referral_id)
    values = entered(request.form, ("planned_infusion", "home"))
    errors: dict[str, str] = {}
    planned = parse_planned(values["planned_infusion"], errors, name="plan-infusion")
    home_changed = values["home"].strip() != found.home_label
    home = locate_home(values["home"], current_geocoder(), errors, name="plan-home")
    if not errors:
        changes: dict[str, Any] = {"home": home} if home_changed else {}
        try:
            run(
                use_cases.change_plan, signed_in_actor(), found.id, catalog=current_catalog(),
                planned_infusion=planned, **changes,
            )  # fmt: skip
        except NotOnLabel:
            errors["plan-infusion"] = gettext(
                "On this date the patient's age is outside the product's label for this disease."
            )
        except InvalidPlan:
            errors["plan-infusion"] = planned_date_hint()
        except ReferralClosed as error:
            found = seen_referral(referral_id)
            return _timeline_page(found, values=values, alert=("plan", error.message), status=409)
        else:
            flash(gettext("Plan saved."))
            return redirect(url_for(TIMELINE, referral_id=found.id, _anchor="plan"), code=303)
    message = gettext("The plan was not saved. Check the fields marked below.")
    return _timeline_page(
        seen_referral(referral_id), errors=errors, values=values, alert=("plan", message),
        status=400,
    )  # fmt: skip


def _record(referral_id: int, *, correction: bool) -> Response | tuple[str, int]:
    """Append a move or a correction; a refusal changes nothing, is audited, and is shown."""
    found = seen_referral(referral_id)
    form = "fix" if correction else "move"
    values = entered(request.form, ("stage", "at", "note"))
    errors: dict[str, str] = {}
    at = parse_day(values["at"])
    if at is None:
        errors[f"{form}-at"] = stage_problem("at", "")
    if correction:
        check_note(values["note"], required=True, errors=errors, name=f"{form}-note")
    if at is None or errors:
        message = gettext("Nothing was recorded. Check the fields marked below.")
        return _timeline_page(
            found, errors=errors, values=values, alert=(form, message), status=400
        )
    entry = use_cases.StageEntry(
        stage=values["stage"], at=at, note=values["note"], correction=correction
    )
    try:
        moved = run(
            use_cases.record_stage, signed_in_actor(), found.id, entry, catalog=current_catalog()
        )
    except DomainError as error:
        return _refused(seen_referral(referral_id), form, values, error)
    stage = stage_names()[moved.stage]
    flash(
        gettext("Corrected: %(stage)s.", stage=stage)
        if correction
        else gettext("Recorded: %(stage)s.", stage=stage)
    )
    return redirect(url_for(TIMELINE, referral_id=moved.id, _anchor="history"), code=303)


def _refused(
    referral: ReferralRow, form: str, values: Mapping[str, str], error: DomainError
) -> tuple[str, int]:
    """The timeline again with the domain's reason: 400 for a field to correct, 409 for a
    referral changed meanwhile, 422 for a stage the journey cannot reach."""
    errors = {
        f"{form}-{name}": stage_problem(name, reason) for name, reason in error.fields.items()
    }
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


@referral_page.post("/referrals/<int:referral_id>/stage")
@allow(SIGNED_IN)
def record_next_stage(referral_id: int) -> Response | tuple[str, int]:
    """Record the next stage; only the moves the journey allows are taken."""
    return _record(referral_id, correction=False)


@referral_page.post("/referrals/<int:referral_id>/correction")
@allow(SIGNED_IN)
def correct_last_entry(referral_id: int) -> Response | tuple[str, int]:
    """Correct the last entry: a new entry supersedes it, and both stay in the history."""
    return _record(referral_id, correction=True)
