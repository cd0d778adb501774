"""The center's profile page: its staff (and admins) change what patients and referrers see,
read the history of changes, and an admin reverts one."""

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext
from werkzeug.wrappers import Response

from finder.centers import use_cases
from finder.domain.accounts import Role
from finder.domain.center_profile import InvalidProfile
from finder.domain.centers import Center
from finder.domain.claims import ProductClaim
from finder.extensions import current_catalog
from finder.geocoding.regions import STATE_NAMES
from finder.web.access import ADMIN, CENTER_STAFF, allow, center_or_404, signed_in_actor
from finder.web.commands import run

center_pages = Blueprint("center_profile", __name__, url_prefix="/staff/centers")
FLAGS = {"yes": True, "no": False, "": None}
TEXT_FIELDS = ("phone", "referral_phone", "referral_fax", "referral_email")
FLAG_FIELDS = ("accepting_referrals", "outpatient")


def field_labels() -> dict[str, str]:
    return {
        "products": gettext("Products given"),
        "populations": gettext("Patients treated"),
        "phone": gettext("Main phone"),
        "referral_phone": gettext("Referral phone"),
        "referral_fax": gettext("Referral fax"),
        "referral_email": gettext("Referral email"),
        "accepting_referrals": gettext("Accepting new referrals"),
        "outpatient": gettext("Outpatient CAR T"),
        "languages": gettext("Languages spoken"),
    }


def status_words() -> dict[str, str]:
    return {
        "confirmed": gettext("confirmed by the center"),
        "published": gettext("published on a page naming the product here"),
        "reported": gettext("reported, not confirmed"),
    }


@center_pages.app_template_global()
def state_name(code: str) -> str:
    """A state's full name from its postal code: a center is found by either when picked."""
    return STATE_NAMES.get(code, "")


@center_pages.app_template_global()
def claim_line(claim: ProductClaim) -> str:
    """One claim in a sentence, for a result card: "Breyanzi: confirmed by the center on
    3 Nov 2026", "Yescarta: reported, not confirmed"; older than a year says so."""
    name = current_catalog().products.names.get(claim.product, claim.product)
    day = format_date(claim.checked_on, "d MMM yyyy") if claim.checked_on else ""
    if claim.status == "confirmed":
        line = gettext("%(product)s: confirmed by the center on %(day)s", product=name, day=day)
    elif claim.status == "published" and day:
        line = gettext(
            "%(product)s: published on a page naming it here (checked %(day)s)",
            product=name,
            day=day,
        )
    else:
        line = gettext("%(product)s: reported, not confirmed", product=name)
    if claim.stale(datetime.now(UTC).date()):
        line += " · " + gettext("checked more than a year ago")
    return line


@center_pages.get("/<center_id>/profile")
@allow(CENTER_STAFF)
def profile(center_id: str) -> tuple[str, int]:
    center = center_or_404(center_id)
    return _render(center, values=_values_of(center), errors={})


@center_pages.post("/<center_id>/profile")
@allow(CENTER_STAFF)
def save_profile(center_id: str) -> Response | tuple[str, int]:
    center = center_or_404(center_id)
    products = current_catalog().products
    try:
        body = _changed_fields(center, request.form)
        run(use_cases.change_profile, signed_in_actor(), center.id, body, products)
    except InvalidProfile as error:
        return _render(
            center, values=request.form.to_dict(flat=False), errors=error.fields, status=400
        )
    flash(gettext("The profile is saved; patients see it now."))
    return redirect(url_for("center_profile.profile", center_id=center.id), code=303)


@center_pages.post("/<center_id>/profile/changes/<int:change_id>/revert")
@allow(ADMIN)
def revert(center_id: str, change_id: int) -> Response:
    center = center_or_404(center_id)
    run(use_cases.revert_change, signed_in_actor(), center.id, change_id)
    flash(gettext("The change is reverted."))
    return redirect(url_for("center_profile.profile", center_id=center.id) + "#history", code=303)


def _render(
    center: Center, *, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> tuple[str, int]:
    actor = signed_in_actor()
    changes = run(use_cases.profile_changes, actor, center.id)
    today = datetime.now(UTC).date()
    page = render_template(
        "centers/profile.html",
        center=center,
        values=values,
        errors=errors,
        products=current_catalog().products.products,
        labels=field_labels(),
        status_words=status_words(),
        claims=[(claim, claim.stale(today)) for claim in center.claims],
        changes=changes,
        shown=_shown,
        day=lambda value: format_date(value, "d MMM yyyy") if value else "",
        when=lambda instant: format_date(instant, "d MMM yyyy") + instant.strftime(" %H:%M UTC"),
        is_admin=actor.role is Role.ADMIN,
    )
    return page, status


def _values_of(center: Center) -> dict[str, Any]:
    contact = center.referral_contact
    return {
        "products": list(center.products),
        "populations": list(center.populations),
        "phone": [center.phone],
        "referral_phone": [contact.phone],
        "referral_fax": [contact.fax],
        "referral_email": [contact.email],
        "accepting_referrals": [_flag_word(center.accepting_referrals)],
        "outpatient": [_flag_word(center.outpatient)],
        "languages": [", ".join(center.languages)],
    }


def _changed_fields(center: Center, form: Any) -> dict[str, Any]:
    """The form's fields as a profile change: the products always (saving confirms them), the
    others only when they differ from what is shown."""
    missing = [name for name in (*TEXT_FIELDS, *FLAG_FIELDS, "languages") if name not in form]
    if missing:  # not the page's form: never read a missing field as "clear it"
        raise InvalidProfile(
            gettext("The form is incomplete; reload the page and try again."),
            fields={name: gettext("missing") for name in missing},
        )
    current = _values_of(center)
    body: dict[str, Any] = {"products": form.getlist("products")}
    if form.getlist("populations") != current["populations"]:
        body["populations"] = form.getlist("populations")
    for name in TEXT_FIELDS:
        value = form.get(name, "")
        if value.strip() != current[name][0]:
            body[name] = value
    for name in FLAG_FIELDS:
        word = form.get(name, "")
        if word != current[name][0]:
            body[name] = FLAGS.get(word, word)
    languages = [item.strip() for item in form.get("languages", "").split(",") if item.strip()]
    if ", ".join(languages) != current["languages"][0]:
        body["languages"] = languages
    return body


def _flag_word(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _shown(field: str, value: Any) -> str:
    """A history value in words."""
    if value is None:
        return gettext("not said")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        if field == "products":
            names = current_catalog().products.names
            value = [names.get(item, item) for item in value]
        return ", ".join(value) if value else gettext("none")
    return str(value) or gettext("none")
