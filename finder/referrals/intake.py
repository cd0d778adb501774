"""A new referral as a provider asks for it, checked once for the API and the form alike."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from finder.centers.catalog import Catalog
from finder.domain.bookings import parse_patient
from finder.domain.errors import UnknownReference
from finder.geocoding import Place
from finder.referrals.records import InvalidReferral, NewReferral


@dataclass(frozen=True)
class ReferralRequest:
    """What was entered: the center, the patient (name, birth_date, email, phone), the product
    and rule chosen, the first stage and its note, and the home as located (or None)."""

    center_id: str
    patient: Mapping[str, Any] = field(default_factory=dict)
    indication: str = ""
    product: str | None = None
    rule: str = ""
    stage: str = ""
    note: str = ""
    home: Place | None = None
    language: str = ""  # "en" or "es": the notices' language ("" for English)


def check_request(request: ReferralRequest, catalog: Catalog, *, today: date) -> NewReferral:
    """The referral to make, or InvalidReferral naming each field that cannot be used; the
    center's products and the product's label are the domain's to check when referring."""
    problems: dict[str, str] = {}
    try:
        center_id: str | None = catalog.centers.get(request.center_id).id
    except UnknownReference:
        center_id = None
        problems["center_id"] = "unknown center"
    patient = parse_patient(request.patient, today=today, problems=problems)
    products = catalog.products
    if request.indication and request.indication not in products.indications:
        problems["indication"] = "unknown indication"
    if request.product is not None and request.product not in products.ids:
        problems["product"] = "unknown product"
    rule = request.rule or catalog.rules.default_id
    if rule not in catalog.rules.ids:
        problems["rule"] = "unknown rule set"
    if problems or patient is None or center_id is None:
        listed = "; ".join(f"{name}: {reason}" for name, reason in sorted(problems.items()))
        raise InvalidReferral(f"Check the referral ({listed}).", fields=problems)
    return NewReferral(
        center_id=center_id,
        patient_name=patient.name,
        patient_birth_date=patient.birth_date,
        patient_email=patient.email,
        patient_phone=patient.phone,
        indication=request.indication,
        product=request.product,
        rule_id=rule,
        home=request.home,
        language=request.language if request.language in ("en", "es") else "en",
        stage=request.stage or "referral",
        note=request.note,
    )
