"""Referrals in the database: made on their own or with the first booking, moved along the
journey by appending to their history, seen only by their provider and their center's staff.

Every function works in the caller's transaction; the caller (a use case) commits.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from finder.centers.catalog import Catalog
from finder.domain.accounts import Actor
from finder.domain.bookings import check_center_gives
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.journey import StageChange, journey, record_correction, record_move
from finder.domain.person_names import near_name, same_name
from finder.domain.products import ProductCatalog
from finder.domain.stay_plan import check_planned_infusion
from finder.events import BookingMade
from finder.geocoding import Place
from finder.storage.models import ReferralEventRow, ReferralRow
from finder.storage.tenancy import visible_to


class Unchanged:
    """A field a change leaves as it is."""


UNCHANGED = Unchanged()
DEFAULT_RULE = "us-2025"


class ReferralExists(DomainError):
    code = "referral_exists"


class NearReferral(DomainError):
    """An open referral of a patient born the same day with a name close to this one: asked
    about before a second referral is made. `referral_ids` names them."""

    code = "near_referral"

    def __init__(self, referral_ids: list[int]) -> None:
        super().__init__(
            "A patient with this birth date and a similar name already has an open referral "
            "to this center.",
            fields={"patient_name": "similar to an open referral"},
        )
        self.referral_ids = referral_ids


class ReferralClosed(DomainError):
    code = "referral_closed"


class InvalidReferral(DomainError):
    """A referral request whose values cannot be used; `fields` names each, never a value."""

    code = "invalid_referral"


class InvalidHome(DomainError):
    """Text given as a home that cannot be a place at all (the geocoder's own words)."""

    code = "invalid_location"


class ReferralChanged(DomainError):
    code = "referral_changed"

    def __init__(self) -> None:
        super().__init__("This referral was changed meanwhile. Reload it and try again.")


@dataclass(frozen=True)
class NewReferral:
    """What a provider gives when referring a patient (health information)."""

    center_id: str
    patient_name: str
    patient_birth_date: date
    patient_email: str = ""
    patient_phone: str = ""
    indication: str = ""
    product: str | None = None
    rule_id: str = DEFAULT_RULE
    home: Place | None = None
    stage: str = "referral"
    note: str = ""
    language: str = "en"  # the notices' language


def history(referral: ReferralRow) -> list[StageChange]:
    """The referral's history as the domain reads it."""
    return [
        StageChange(
            stage=event.stage,
            at=event.at,
            by_user_id=event.by_user_id,
            note=event.note,
            recorded_at=event.recorded_at,
            correction_of=event.correction_of,
        )
        for event in referral.events
    ]


def refer(
    session: Session,
    new: NewReferral,
    *,
    catalog: Catalog,
    provider_id: int,
    today: date,
    now: datetime,
) -> ReferralRow:
    """A referral at its first stage (referral, or eligibility when still being assessed);
    refused for a product or indication the center does not give, or a product whose label
    does not cover the indication or the patient's age; ReferralExists when the patient
    already has an open one here (most likely a retry)."""
    center = catalog.centers.get(new.center_id)
    check_center_gives(center, catalog.products, product=new.product, indication=new.indication)
    catalog.products.check_label(
        new.product, new.indication, birth_date=new.patient_birth_date, on=today
    )
    found = open_referral(
        session,
        provider_id=provider_id,
        center_id=new.center_id,
        name=new.patient_name,
        birth_date=new.patient_birth_date,
    )
    if found is not None:
        raise ReferralExists(
            f"This patient already has an open referral to this center (referral {found.id})."
        )
    return _new_referral(session, new, provider_id=provider_id, today=today, now=now)


def _new_referral(
    session: Session, new: NewReferral, *, provider_id: int, today: date, now: datetime
) -> ReferralRow:
    first = record_move([], new.stage, at=today, today=today, by_user_id=provider_id,
                        note=new.note, recorded_at=now)  # fmt: skip
    referral = ReferralRow(
        provider_id=provider_id,
        center_id=new.center_id,
        patient_name=new.patient_name,
        patient_birth_date=new.patient_birth_date,
        patient_email=new.patient_email,
        patient_phone=new.patient_phone,
        indication=new.indication,
        product=new.product,
        rule_id=new.rule_id,
        stage=first.stage,
        stage_since=first.at,
        language=new.language or "en",
        created_at=now,
        updated_at=now,
    )
    set_home(referral, new.home)
    session.add(referral)
    session.flush()
    session.add(_event(referral.id, 0, first))
    session.flush()
    session.refresh(referral)
    return referral


def set_home(referral: ReferralRow, home: Place | None) -> None:
    """Keep the home as located, at the precision the provider gave (never more exact)."""
    referral.home_label = home.label if home else ""
    referral.home_lat = home.lat if home else None
    referral.home_lon = home.lon if home else None
    referral.home_precision = home.precision if home else ""


def change_plan(
    session: Session,
    referral: ReferralRow,
    *,
    products: ProductCatalog,
    today: date,
    now: datetime,
    planned_infusion: date | Unchanged | None = UNCHANGED,
    home: Place | Unchanged | None = UNCHANGED,
) -> ReferralRow:
    """Set or clear the planned infusion date and the home; a closed referral keeps its plan,
    and an infusion is planned only on a day the product's label covers the patient's age."""
    past = history(referral)
    if journey(past).closed:
        raise ReferralClosed(
            "This referral is closed; its plan can no longer change. Record a correction first."
        )
    if not isinstance(planned_infusion, Unchanged):
        referred = past[0].at if past else today
        if planned_infusion is not None:
            check_planned_infusion(planned_infusion, referred=referred, today=today)
            known = referral.product if referral.product in products.ids else None
            products.check_label(
                known,
                referral.indication,
                birth_date=referral.patient_birth_date,
                on=planned_infusion,
            )
        referral.planned_infusion = planned_infusion
    if not isinstance(home, Unchanged):
        set_home(referral, home)
    referral.updated_at = now
    session.flush()
    return referral


def open_referral(
    session: Session, *, provider_id: int, center_id: str, name: str, birth_date: date
) -> ReferralRow | None:
    """The patient's open referral from this provider to this center, if there is one."""
    same_birth_date = session.scalars(
        select(ReferralRow)
        .where(
            ReferralRow.provider_id == provider_id,
            ReferralRow.center_id == center_id,
            ReferralRow.patient_birth_date == birth_date,
        )
        .order_by(ReferralRow.id.desc())
    )
    # The name compared here, as people write it (finder.domain.person_names): the databases'
    # lower() folds only ASCII (SQLite) or depends on the locale (PostgreSQL), and neither
    # folds accents, hyphens or doubled spaces.
    for found in same_birth_date:
        if same_name(found.patient_name, name) and not journey(history(found)).closed:
            return found
    return None


def near_referrals(
    session: Session, *, provider_id: int, center_id: str, name: str, birth_date: date
) -> list[ReferralRow]:
    """The provider's open referrals to this center of a patient born that day whose name is
    close to this one but not the same (asked about before a second referral is made)."""
    found = session.scalars(
        select(ReferralRow).where(
            ReferralRow.provider_id == provider_id,
            ReferralRow.center_id == center_id,
            ReferralRow.patient_birth_date == birth_date,
        )
    )
    return [
        row
        for row in found
        if near_name(row.patient_name, name) and not journey(history(row)).closed
    ]


def attach_booking(session: Session, event: BookingMade) -> None:
    """File the booking under the patient's open referral to its center, or refer them now."""
    booking, now = event.booking, event.now
    today = now.astimezone(ZoneInfo(event.timezone)).date()
    match = open_referral(
        session,
        provider_id=booking.provider_id,
        center_id=booking.center_id,
        name=booking.patient_name,
        birth_date=booking.patient_birth_date,
    )
    if match is None:
        new = NewReferral(
            center_id=booking.center_id,
            patient_name=booking.patient_name,
            patient_birth_date=booking.patient_birth_date,
            patient_email=booking.patient_email,
            patient_phone=booking.patient_phone,
            indication=booking.indication,
            product=booking.product,
            language=booking.language,
        )
        match = _new_referral(session, new, provider_id=booking.provider_id, today=today, now=now)
    booking.referral_id = match.id


def record_stage(
    session: Session,
    referral: ReferralRow,
    stage: str,
    *,
    actor: Actor,
    at: date,
    note: str,
    today: date,
    now: datetime,
    correction: bool = False,
    entry: int | None = None,
) -> ReferralRow:
    """Append a move (or a correction) to the history, unless another change took its place."""
    past = history(referral)
    if correction:
        change = record_correction(past, stage, at=at, today=today, by_user_id=actor.user_id,
                                   note=note, recorded_at=now, entry=entry)  # fmt: skip
    else:
        change = record_move(past, stage, at=at, today=today, by_user_id=actor.user_id,
                             note=note, recorded_at=now)  # fmt: skip
    event = _event(referral.id, len(past), change)
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:  # another change took this position first
        raise ReferralChanged() from None
    view = journey([*past, change])
    referral.stage = view.stage or stage
    referral.stage_since = view.since or at
    referral.updated_at = now
    session.flush()
    session.refresh(referral)
    return referral


def visible_referrals(actor: Actor) -> Select[ReferralRow]:
    """A provider's own referrals, a staff member's centers', or all for an admin."""
    tenants = visible_to(
        actor, provider_id=ReferralRow.provider_id, center_id=ReferralRow.center_id
    )
    return select(ReferralRow).where(tenants)


def find_referral(session: Session, actor: Actor, referral_id: int) -> ReferralRow:
    """The referral if the actor may see it; otherwise the same answer as for none."""
    found = session.scalars(visible_referrals(actor).where(ReferralRow.id == referral_id)).first()
    if found is None:
        raise UnknownReference("No such referral.")
    return found


def _event(referral_id: int, position: int, change: StageChange) -> ReferralEventRow:
    return ReferralEventRow(
        referral_id=referral_id,
        position=position,
        stage=change.stage,
        at=change.at,
        by_user_id=change.by_user_id,
        note=change.note,
        recorded_at=change.recorded_at,
        correction_of=change.correction_of,
    )
