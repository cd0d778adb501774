"""The booking form: its fields as the domain reads them, and each refusal in the page's words.

Form fields are named after the domain's fields with `_` for `.` (`patient.name` is
`patient_name`), so a refusal lands beside the field it is about.
"""

import re
import secrets
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from finder.domain.bookings import InvalidBooking
from finder.domain.contact import NON_ASCII_EMAIL, NOT_ALLOWED
from finder.domain.errors import DomainError
from finder.domain.products import NOT_AT_AGE, NOT_FOR_INDICATION, NotOnLabel
from finder.domain.slots import BeyondHorizon, CenterClosed, InsideMinimumNotice, SlotInPast
from finder.web.ids import record_id
from finder.web.local_times import zone_names

FIELDS = (
    "slot_id",
    "patient_name",
    "patient_birth_date",
    "patient_email",
    "patient_phone",
    "patient_timezone",
    "indication",
    "product",
    "notes",
)
CONFLICTS = ("slot_taken", "slot_unavailable", "booking_not_changeable")
_LIMIT = re.compile(r"at most (\d+) characters")


def new_idempotency_key() -> str:
    """A fresh key for one rendering of the form: resubmitting it books nothing twice."""
    return secrets.token_urlsafe(24)


def entered(form: MultiDict[str, str]) -> dict[str, str]:
    """What the provider typed, to show again with the refusal."""
    return {name: form.get(name, "") for name in FIELDS}


def booking_data(values: Mapping[str, str]) -> dict[str, Any]:
    """The entered values in the shape parse_booking_request reads."""
    return {
        "slot_id": record_id(values["slot_id"]),
        "patient": {
            "name": values["patient_name"],
            "birth_date": values["patient_birth_date"],
            "email": values["patient_email"],
            "phone": values["patient_phone"],
            "timezone": values["patient_timezone"],
        },
        "indication": values["indication"],
        "product": values["product"] or None,
        "notes": values["notes"],
    }


def patient_zone_choices() -> list[tuple[str, str]]:
    """The zones the patient may read times in: the center's ("") or a US zone, in words."""
    zones = [(zone, name) for zone, name in zone_names().items() if zone != "UTC"]
    return [("", gettext("Same as the center")), *zones]


def field_name(domain_field: str) -> str:
    return domain_field.replace(".", "_")


def field_messages(error: DomainError) -> dict[str, str]:
    """Each refused field's message, by form field name; never repeats what was entered."""
    return {
        field_name(name): _message(field_name(name), reason)
        for name, reason in error.fields.items()
        if field_name(name) in FIELDS
    }


def _message(name: str, reason: str) -> str:
    if reason == "required" or reason.startswith("required:"):
        return _required()[name]
    if limit := _LIMIT.fullmatch(reason):
        return gettext("Use at most %(num)d characters.", num=int(limit.group(1)))
    if reason == NOT_ALLOWED:
        if name == "notes":
            return gettext("Remove the special characters.")
        return gettext("Use one line of plain text.")
    return _reasons().get((name, reason)) or _fallback()[name]


def _required() -> dict[str, str]:
    return {
        "slot_id": gettext("Choose a consultation time."),
        "patient_name": gettext("Enter the patient's name."),
        "patient_birth_date": gettext("Enter the patient's date of birth."),
        "patient_email": gettext("Enter the patient's email address."),
        "patient_phone": gettext("Enter the patient's phone number."),
        "indication": gettext("Choose the disease."),
        "product": gettext("Choose a product."),
        "notes": gettext("Enter a note."),
    }


def _reasons() -> dict[tuple[str, str], str]:
    return {
        ("patient_birth_date", "must not be in the future"): gettext(
            "The date of birth cannot be in the future."
        ),
        ("patient_birth_date", "must be after 1900-01-01"): gettext(
            "Enter a date of birth after 1 January 1900."
        ),
        ("indication", "not offered"): gettext("This center does not list this disease."),
        ("product", "not offered"): gettext("This center is not authorized to give this product."),
        ("product", NOT_FOR_INDICATION): gettext("This product is not approved for this disease."),
        ("product", NOT_AT_AGE): gettext(
            "This product is not approved for this disease at the patient's age."
        ),
        ("patient_email", NON_ASCII_EMAIL): gettext(
            "Use an address with only ASCII letters, digits and . _ + - before the @: most "
            "mail servers cannot deliver to other addresses."
        ),
        ("slot_id", "no such slot"): gettext("That time is no longer offered. Pick another slot."),
    }


def _fallback() -> dict[str, str]:
    return {
        "slot_id": gettext("Choose one of the times shown."),
        "patient_name": gettext("Check the patient's name."),
        "patient_birth_date": gettext(
            "Enter the date of birth as year-month-day, for example 1960-05-01."
        ),
        "patient_email": gettext("Enter a valid email address, or leave it empty."),
        "patient_phone": gettext(
            "Use digits, spaces and + ( ) - only, 7 to 32 characters, or leave it empty."
        ),
        "patient_timezone": gettext("Choose a time zone from the list."),
        "indication": gettext("Choose a disease from the list."),
        "product": gettext("Choose a product from the list, or none."),
        "notes": gettext("Check the notes."),
    }


def refusal_status(error: DomainError) -> int:
    """A page's status for a refused booking or change: 400 for fields to correct, 409 for a
    slot or booking that changed meanwhile, 422 for a choice that cannot be had."""
    if isinstance(error, InvalidBooking | NotOnLabel):
        return 400
    return 409 if error.code in CONFLICTS else 422


def slot_refusal(error: DomainError) -> str:
    """Why the chosen slot cannot be booked now, and what to do."""
    if isinstance(error, SlotInPast):
        return gettext("That time has already passed. Pick another slot.")
    if isinstance(error, InsideMinimumNotice):
        return gettext("That time is too soon for this center's notice period. Pick a later slot.")
    if isinstance(error, BeyondHorizon):
        return gettext("That time is too far ahead for this center. Pick an earlier slot.")
    if isinstance(error, CenterClosed):
        return gettext("The center is closed on that date. Pick another slot.")
    if error.code in ("slot_taken", "slot_unavailable"):
        return gettext("That time is no longer free. Please pick another slot.")
    return gettext("That time cannot be booked. Pick another slot.")
