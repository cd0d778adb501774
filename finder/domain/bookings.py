"""Consultation bookings: what a provider must enter for a patient, and how a booking's status
may change. The patient's details are health information: no message here ever repeats them."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from finder.domain.centers import Center
from finder.domain.contact import (
    NOT_ALLOWED,
    InvalidEmail,
    line_breaks_as_newlines,
    mail_address,
    unsafe_text,
)
from finder.domain.errors import DomainError
from finder.domain.products import ProductCatalog
from finder.domain.zones import valid_zone

BOOKED = "booked"
CANCELLED = "cancelled"
COMPLETED = "completed"
NO_SHOW = "no_show"
STATUSES = (BOOKED, CANCELLED, COMPLETED, NO_SHOW)
OUTCOMES = (COMPLETED, NO_SHOW)  # what staff record once the consultation time has come

MAX_ID = 2**31 - 1  # the largest id either database stores
MAX_NAME = 200
MAX_NOTES = 2000
MESSAGE_LANGUAGES = ("en", "es")  # the languages a booking's messages are written in
KNOWN_FIELDS = (
    "slot_id",
    "patient",
    "indication",
    "product",
    "notes",
    "provider_timezone",
    "language",
)
MAX_REASON = 200
OLDEST_BIRTH_DATE = date(1900, 1, 1)
_PHONE = re.compile(r"^\+?[0-9 ()./-]{7,32}$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidBooking(DomainError):
    """A booking request with bad fields; `fields` names each, never echoing a value."""

    code = "invalid_booking"


class ProductNotOffered(DomainError):
    code = "not_offered"


class SlotTaken(DomainError):
    """The slot was free when shown and is full now."""

    code = "slot_taken"

    def __init__(self) -> None:
        super().__init__("This slot is no longer free. Pick another one.")


class SlotUnavailable(DomainError):
    """The slot is blocked by the center or no longer within its hours."""

    code = "slot_unavailable"

    def __init__(self) -> None:
        super().__init__("The center no longer offers this slot. Pick another one.")


class SlotOfAnotherCenter(DomainError):
    code = "slot_of_another_center"

    def __init__(self) -> None:
        super().__init__("A booking can only move to another slot of the same center.")


class BookingNotChangeable(DomainError):
    """A change the booking's status or time no longer allows."""

    code = "booking_not_changeable"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used for a different booking request. "
            "Send a new key for a new request."
        )


@dataclass(frozen=True)
class Patient:
    name: str
    birth_date: date
    email: str = ""
    phone: str = ""
    timezone: str = ""  # the IANA zone the patient reads times in; "" for the center's


@dataclass(frozen=True)
class BookingRequest:
    """A provider's request, checked against the catalog and the slot's center."""

    slot_id: int
    patient: Patient
    indication: str
    product: str | None
    notes: str
    provider_timezone: str = ""  # the IANA zone the provider reads times in; "" for the center's
    language: str = ""  # "en" or "es", the messages' language; "" for the door's (the page's)


def parse_patient(data: Any, *, today: date, problems: dict[str, str]) -> Patient | None:
    """The patient's details, each bad field named in `problems`."""
    if not isinstance(data, Mapping):
        problems["patient"] = "must be an object {name, birth_date, email, phone, timezone}"
        return None
    before = len(problems)
    for key in data:
        if key not in ("name", "birth_date", "email", "phone", "timezone"):
            problems[f"patient.{key}"] = "unknown field"
    name = _text(data.get("name"), "patient.name", MAX_NAME, problems, required=True)
    birth = _birth_date(data.get("birth_date"), today, problems)
    email = _text(data.get("email"), "patient.email", 254, problems)
    if email and "patient.email" not in problems:
        try:
            email = mail_address(email)
        except InvalidEmail as error:
            problems["patient.email"] = error.reason
    phone = _text(data.get("phone"), "patient.phone", 32, problems)
    if phone and not _PHONE.match(phone):
        problems["patient.phone"] = "use digits, spaces and + ( ) - only, 7 to 32 characters"
    timezone = _zone(data.get("timezone"), "patient.timezone", problems)
    if len(problems) > before or birth is None:
        return None
    return Patient(name=name, birth_date=birth, email=email, phone=phone, timezone=timezone)


def parse_booking_request(
    data: Mapping[str, Any], *, today: date, products: ProductCatalog
) -> BookingRequest:
    """A booking request from its JSON (or form) shape, or InvalidBooking naming every field."""
    problems: dict[str, str] = {}
    for key in data:
        if key not in KNOWN_FIELDS:
            problems[str(key)] = "unknown field"
    slot_id = data.get("slot_id")
    if not isinstance(slot_id, int) or isinstance(slot_id, bool) or not 1 <= slot_id <= MAX_ID:
        problems["slot_id"] = "required: the id of a free slot"
    patient = parse_patient(data.get("patient"), today=today, problems=problems)
    indication = data.get("indication")
    if not isinstance(indication, str) or not indication:
        problems["indication"] = "required"
    elif indication not in products.indications:
        problems["indication"] = "unknown indication"
    product = data.get("product") or None
    if product is not None and (not isinstance(product, str) or product not in products.ids):
        problems["product"] = "unknown product"
    notes = _text(data.get("notes"), "notes", MAX_NOTES, problems, multiline=True)
    provider_timezone = _zone(data.get("provider_timezone"), "provider_timezone", problems)
    language = data.get("language") or ""
    if language not in ("", *MESSAGE_LANGUAGES):
        problems["language"] = "must be one of: " + ", ".join(MESSAGE_LANGUAGES)
    if problems or patient is None or not isinstance(slot_id, int):
        raise InvalidBooking(_summary(problems), fields=problems)
    return BookingRequest(
        slot_id=slot_id,
        patient=patient,
        indication=str(indication),
        product=product,
        notes=notes,
        provider_timezone=provider_timezone,
        language=str(language),
    )


def check_offered(
    request: BookingRequest, center: Center, products: ProductCatalog, *, today: date
) -> None:
    """Refuse a product or indication the center does not treat, or a product whose label
    does not cover the indication or the patient's age today."""
    check_center_gives(center, products, product=request.product, indication=request.indication)
    products.check_label(
        request.product, request.indication, birth_date=request.patient.birth_date, on=today
    )


def check_center_gives(
    center: Center, products: ProductCatalog, *, product: str | None, indication: str
) -> None:
    """Refuse a product the center is not authorized for, or an indication it does not list
    (an empty indication, or a center whose indications are not known, passes)."""
    if product is not None and product not in center.products:
        name = products.get(product).name
        raise ProductNotOffered(
            f"{center.name} is not authorized to give {name}.", fields={"product": "not offered"}
        )
    if indication and center.indications and indication not in center.indications:
        raise ProductNotOffered(
            f"{center.name} does not list this indication.", fields={"indication": "not offered"}
        )


def check_reason(value: Any, *, required: bool = False) -> str:
    """A cancellation or block reason: optional unless required, one line, short."""
    problems: dict[str, str] = {}
    reason = _text(value, "reason", MAX_REASON, problems, required=required)
    if problems:
        raise InvalidBooking(_summary(problems), fields=problems)
    return reason


def check_change(status: str, *, started: bool, to: str) -> None:
    """Whether a booking may move from `status` to `to` (or be rescheduled, `to` = BOOKED)."""
    if status != BOOKED:
        raise BookingNotChangeable(f"This booking is already {status.replace('_', ' ')}.")
    if to in (CANCELLED, BOOKED) and started:
        raise BookingNotChangeable(
            "This consultation has already started; record it as completed or no-show instead."
        )
    if to in OUTCOMES and not started:
        raise BookingNotChangeable("A consultation can only be marked once its time has come.")


def _text(
    value: Any,
    name: str,
    limit: int,
    problems: dict[str, str],
    *,
    required: bool = False,
    multiline: bool = False,
) -> str:
    if value is None or value == "":
        if required:
            problems[name] = "required"
        return ""
    if not isinstance(value, str):
        problems[name] = "must be text"
        return ""
    text = (line_breaks_as_newlines(value) if multiline else value).strip()
    if required and not text:
        problems[name] = "required"
    elif len(text) > limit:
        problems[name] = f"at most {limit} characters"
    elif unsafe_text(text, multiline=multiline):
        problems[name] = NOT_ALLOWED
    return text


def _zone(value: Any, name: str, problems: dict[str, str]) -> str:
    """An IANA zone name this machine knows, or "" when none is given (the center's zone)."""
    if value is None or value == "":
        return ""
    known = valid_zone(value)
    if known is not None:
        return known
    problems[name] = "unknown time zone"
    return ""


def _birth_date(value: Any, today: date, problems: dict[str, str]) -> date | None:
    name = "patient.birth_date"
    if value is None or value == "":
        problems[name] = "required"
        return None
    try:
        if isinstance(value, str) and _DATE.fullmatch(value):
            born = date.fromisoformat(value)
            if born > today:
                problems[name] = "must not be in the future"
            elif born < OLDEST_BIRTH_DATE:
                problems[name] = "must be after 1900-01-01"
            else:
                return born
            return None
    except ValueError:
        pass
    problems[name] = "must be a date YYYY-MM-DD"
    return None


def _summary(problems: Mapping[str, str]) -> str:
    listed = "; ".join(f"{name}: {reason}" for name, reason in problems.items())
    return f"Check the booking ({listed})."
