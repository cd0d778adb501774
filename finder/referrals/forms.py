"""The referral pages' forms and words: a new referral, the plan, a stage or a correction as
entered, and each problem in the page's words beside its field.

The domain's own checks (the patient's details, the journey's rules) decide; this module only
reads the form into their shape and says their answers in the page's words.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date, gettext, ngettext

from finder.booking.forms import field_messages
from finder.domain.bookings import ProductNotOffered
from finder.domain.contact import line_breaks_as_newlines, unsafe_text
from finder.domain.journey import (
    EARLIEST_STAGE_DATE,
    EXITS,
    MAX_NOTE,
    STAGES,
    START_STAGES,
    TOO_EARLY,
)
from finder.domain.journey_flags import OverdueFlag
from finder.domain.products import NOT_AT_AGE, NotOnLabel
from finder.geocoding import AmbiguousPlace, Geocoder, GeocodingError, Place
from finder.referrals.intake import ReferralRequest
from finder.referrals.records import InvalidReferral
from finder.web.local_times import time_text

NEW_FIELDS = (
    "center_id", "patient_name", "patient_birth_date", "patient_email", "patient_phone", "home",
    "indication", "product", "rule", "stage", "note",
)  # fmt: skip
MAX_HOME = 200
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_AFTER = re.compile(r"must be on or after (\d{4}-\d{2}-\d{2})")
CANDIDATES_SHOWN = 5


def stage_names() -> dict[str, str]:
    """Every stage and exit in the page's words."""
    return {
        "eligibility": gettext("Eligibility"),
        "referral": gettext("Referral"),
        "consultation": gettext("Consultation"),
        "benefits": gettext("Benefits check"),
        "leukapheresis": gettext("Leukapheresis"),
        "manufacturing": gettext("Manufacturing"),
        "lymphodepletion": gettext("Lymphodepletion"),
        "infusion": gettext("Infusion"),
        "monitoring": gettext("Monitoring near the center"),
        "returned": gettext("Return to the referring provider"),
        "follow_up": gettext("Long-term follow-up"),
        "not_eligible": gettext("Not eligible"),
        "declined": gettext("Declined"),
        "deceased": gettext("Deceased"),
        "lost_to_follow_up": gettext("Lost to follow-up"),
    }


ALL_STAGES = (*STAGES, *EXITS)


def booking_status_names() -> dict[str, str]:
    """A consultation booking's status in the page's words, as the booking pages say it."""
    return {
        "booked": gettext("Booked"),
        "cancelled": gettext("Cancelled"),
        "completed": gettext("Completed"),
        "no_show": gettext("No-show"),
    }


def page_words() -> dict[str, Any]:
    """The words and helpers every referral page's template uses."""
    names = stage_names()
    return {
        "stage_names": names,
        "stage_choices": lambda stages: [(stage, names[stage]) for stage in stages],
        "all_stages": ALL_STAGES,
        "days_text": days_text,
        "flag_text": flag_text,
        "time_text": time_text,
    }


def days_text(days: int | None) -> str:
    if days is None:
        return "—"
    return ngettext("%(num)d day", "%(num)d days", days)


def flag_text(flag: OverdueFlag) -> str:
    """An overdue flag as a sentence; the domain's own sentence for a flag not listed here."""
    words = {
        "consultation_overdue": gettext(
            "Referred %(days)d days ago, no consultation yet (the median is about 11 days).",
            days=flag.days,
        ),
        "leukapheresis_overdue": gettext(
            "Consultation done %(days)d days ago, no leukapheresis yet.", days=flag.days
        ),
        "lymphodepletion_overdue": gettext(
            "Cells collected %(days)d days ago, no lymphodepletion yet "
            "(manufacturing takes about 2 to 5 weeks).",
            days=flag.days,
        ),
        "infusion_overdue": gettext(
            "Lymphodepletion began %(days)d days ago, no infusion yet.", days=flag.days
        ),
        "return_overdue": gettext(
            "The stay near the center ended %(days)d days ago, no return to the referring "
            "provider recorded.",
            days=flag.days,
        ),
    }
    return words.get(flag.code, flag.message)


def parse_day(text: str) -> date | None:
    """A date written YYYY-MM-DD, as a date field sends it; None for anything else."""
    if not _DAY.fullmatch(text.strip()):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def entered(form: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: form.get(name, "") for name in names}


# --- A new referral ----------------------------------------------------------------------


@dataclass(frozen=True)
class NewReferralForm:
    """The referral asked for, and what the form itself finds missing, in the page's words."""

    request: ReferralRequest
    errors: dict[str, str]


def parse_new_referral(values: Mapping[str, str], *, geocoder: Geocoder) -> NewReferralForm:
    """The form as a referral request; the referral's own checks come after (`refer`)."""
    errors: dict[str, str] = {}
    if not values["center_id"]:
        errors["center_id"] = gettext("Choose the center.")
    if not values["indication"]:
        errors["indication"] = gettext("Choose the disease.")
    stage = values["stage"] or "referral"
    if stage not in START_STAGES:
        errors["stage"] = gettext("Choose eligibility or referral.")
    note = check_note(values["note"], required=False, errors=errors, name="note")
    home = locate_home(values["home"], geocoder, errors, name="home")
    request = ReferralRequest(
        center_id=values["center_id"],
        patient={
            "name": values["patient_name"],
            "birth_date": values["patient_birth_date"],
            "email": values["patient_email"],
            "phone": values["patient_phone"],
        },
        indication=values["indication"],
        product=values["product"] or None,
        rule=values["rule"],
        stage=stage,
        note=note,
        home=home,
    )
    return NewReferralForm(request, errors)


def referral_problems(error: InvalidReferral) -> dict[str, str]:
    """The referral's own check of each field, in the page's words."""
    errors = field_messages(error)  # the patient's fields, worded as on the booking form
    words = {
        "center_id": gettext("Choose a center from the list."),
        "indication": gettext("Choose a disease from the list."),
        "product": gettext("Choose a product from the list, or none."),
        "rule": gettext("Choose a rule from the list."),
    }
    errors.update({name: words[name] for name in error.fields if name in words})
    return errors


def offer_problems(error: ProductNotOffered) -> dict[str, str]:
    """A product or disease the center does not give, in the page's words."""
    words = {
        "product": gettext("This center is not authorized to give this product."),
        "indication": gettext("This center does not list this disease."),
    }
    return {name: words[name] for name in error.fields if name in words}


def label_problem(error: NotOnLabel) -> str:
    """Why the product's label does not fit, in the page's words."""
    if error.reason == NOT_AT_AGE:
        return gettext("This product is not approved for this disease at the patient's age.")
    return gettext("This product is not approved for this disease.")


def check_note(text: str, *, required: bool, errors: dict[str, str], name: str) -> str:
    """The note as the journey takes it; a problem goes beside the field `name`."""
    note = line_breaks_as_newlines(text).strip()
    if required and not note:
        errors[name] = gettext("Say what was wrong.")
    elif len(note) > MAX_NOTE:
        errors[name] = gettext("Use at most %(num)d characters.", num=MAX_NOTE)
    elif unsafe_text(note, multiline=True):
        errors[name] = gettext("Remove the special characters.")
    return note


def locate_home(
    text: str, geocoder: Geocoder, errors: dict[str, str], *, name: str
) -> Place | None:
    """The home as the geocoder places it, at the precision given; None when left empty."""
    query = text.strip()
    if not query:
        return None
    if len(query) > MAX_HOME:
        errors[name] = gettext("Use at most %(num)d characters.", num=MAX_HOME)
        return None
    try:
        return geocoder.geocode(query)
    except AmbiguousPlace as error:
        places = ", ".join(place.label for place in error.candidates[:CANDIDATES_SHOWN])
        errors[name] = gettext(
            "More than one place has that name (%(places)s). Add the state or a ZIP code.",
            places=places,
        )
    except GeocodingError as error:
        errors[name] = error.message  # the geocoder's own words; they never repeat the input
    return None


def parse_planned(text: str, errors: dict[str, str], *, name: str) -> date | None:
    """A planned infusion date, or None when left empty (the domain checks its span)."""
    if not text.strip():
        return None
    day = parse_day(text)
    if day is None:
        errors[name] = planned_date_hint()
    return day


def planned_date_hint() -> str:
    """What a planned infusion date must be, in the page's words."""
    return gettext("Enter a date such as 2027-03-15 within the next two years, or leave it empty.")


# --- A stage, a correction ---------------------------------------------------------------


def stage_problem(name: str, reason: str) -> str:
    """A journey field's problem, as the domain names it, in the page's words."""
    if name == "at":
        if reason == "must not be in the future":
            return gettext(
                "A stage can only be recorded once it has happened: choose an earlier date."
            )
        if reason == TOO_EARLY:
            return gettext("Choose %(day)s or later.", day=format_date(EARLIEST_STAGE_DATE, "long"))
        if match := _AFTER.fullmatch(reason):
            day = date.fromisoformat(match[1])
            return gettext(
                "Choose %(day)s or later, the date of the stage before it.",
                day=format_date(day, "long"),
            )
        return gettext("Enter a date such as 2027-03-15.")
    if name == "note":
        if reason.startswith("required"):
            return gettext("Say what was wrong.")
        if reason.startswith("at most"):
            return gettext("Use at most %(num)d characters.", num=MAX_NOTE)
        return gettext("Remove the special characters.")
    return gettext("Choose a stage from the list.")
