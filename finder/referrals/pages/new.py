"""The form to refer a patient to a center before a slot is chosen."""

from collections.abc import Mapping
from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response

from finder.domain.bookings import ProductNotOffered
from finder.domain.errors import DomainError
from finder.domain.products import NotOnLabel
from finder.extensions import current_catalog, current_geocoder
from finder.referrals import use_cases
from finder.referrals.forms import (
    NEW_FIELDS,
    entered,
    label_problem,
    offer_problems,
    page_words,
    parse_new_referral,
    referral_problems,
    stage_problem,
)
from finder.referrals.intake import check_request
from finder.referrals.pages import referrals
from finder.referrals.pages.lists import centers
from finder.referrals.pages.scope import TIMELINE, center_today, latest_today
from finder.referrals.records import InvalidReferral, NearReferral, ReferralExists
from finder.web.access import PROVIDER, allow, signed_in_actor
from finder.web.commands import run


def _new_page(
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int,
    *,
    near: list[int] | None = None,
) -> tuple[str, int]:
    catalog = current_catalog()
    page = render_template(
        "referrals/new.html",
        values=values,
        errors=errors,
        near=near or [],
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
        today=latest_today(),
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
    if center in centers():
        values["center_id"] = center
    return _new_page(values, {}, 200)


@referrals.post("/referrals/new")
@allow(PROVIDER)
def create() -> Response | tuple[str, int]:
    values = entered(request.form, NEW_FIELDS)
    form = parse_new_referral(values, geocoder=current_geocoder())
    catalog = current_catalog()
    if form.errors:  # shown together with what the referral's own check says of the rest
        try:
            check_request(form.request, catalog, today=center_today(values["center_id"]))
        except InvalidReferral as error:
            return _new_page(values, {**referral_problems(error), **form.errors}, 400)
        return _new_page(values, form.errors, 400)
    try:
        made = run(
            use_cases.refer,
            signed_in_actor(),
            replace(form.request, language=str(get_locale())),  # its notices in the page's
            catalog=catalog,
            ask_about_near=request.form.get("another_patient") != "1",
        )
    except NearReferral as error:  # "Ana López" beside "Ana María López", born the same day
        problem = gettext(
            "You have already referred a patient born that day with a similar name to this "
            "center. Open that referral, or confirm below that this is another patient."
        )
        return _new_page(values, {"patient_name": problem}, 409, near=error.referral_ids)
    except InvalidReferral as error:
        return _new_page(values, referral_problems(error), 400)
    except ReferralExists as error:  # the same patient, already referred here and still open
        return _new_page(values, {"patient_name": error.message}, 409)
    except NotOnLabel as error:
        return _new_page(values, {"product": label_problem(error)}, 400)
    except ProductNotOffered as error:
        return _new_page(values, offer_problems(error), 400)
    except DomainError as error:
        errors = {name: stage_problem(name, reason) for name, reason in error.fields.items()}
        return _new_page(values, errors or {"stage": error.message}, 400)
    flash(gettext("Referral recorded. The center's staff see it now."))
    return redirect(url_for(TIMELINE, referral_id=made.id), code=303)
