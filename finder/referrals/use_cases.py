"""The referral commands, each written once for the API and the pages: refer a patient, view a
referral, list, search and export them, record a stage or a correction, and change the plan.

Each finds the referral the caller may see (another tenant's is not found), runs the domain's
rule, records its one audit event (who and what, never the patient) and commits.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from finder.centers.catalog import Catalog
from finder.domain.accounts import Actor
from finder.domain.errors import DomainError
from finder.domain.journey import InvalidStageChange, journey
from finder.events import ReferralMade, StageRecorded
from finder.geocoding import Place
from finder.referrals import records
from finder.referrals.centers import center_today, today_at
from finder.referrals.intake import ReferralRequest, check_request
from finder.referrals.records import UNCHANGED, Unchanged, find_referral, history
from finder.referrals.views import DashboardRow, ReferralFilters, dashboard
from finder.storage.models import ReferralRow
from finder.unit_of_work import UnitOfWork

CREATED = "referral_created"
VIEWED = "referral_viewed"
LISTED = "referrals_listed"
SEARCHED = "referrals_searched"
EXPORTED = "referrals_exported"
STAGE_RECORDED = "referral_stage_recorded"
STAGE_CORRECTED = "referral_stage_corrected"
PLAN_CHANGED = "referral_plan_changed"


@dataclass(frozen=True)
class StageEntry:
    """A move, or a correction of the entry in effect (or of `entry`), as entered."""

    stage: str
    at: date | None = None  # None: the center's date today
    note: str = ""
    correction: bool = False
    entry: int | None = None


def _audit(uow: UnitOfWork, action: str, referral: ReferralRow, **what: Any) -> None:
    uow.audit(
        action,
        target_type="referral",
        target_id=referral.id,
        center_id=referral.center_id,
        **what,
    )


def refer(
    uow: UnitOfWork,
    actor: Actor,
    request: ReferralRequest,
    *,
    catalog: Catalog,
    ask_about_near: bool = False,
) -> ReferralRow:
    """Refer a patient to a center, checked on the center's date today; with `ask_about_near`,
    NearReferral when the provider has an open referral there of a patient born the same day
    with a similar name (the page asks whether it is another patient)."""
    today = center_today(uow.session, catalog, request.center_id, uow.now)
    new = check_request(request, catalog, today=today)
    if ask_about_near:
        near = records.near_referrals(
            uow.session,
            provider_id=actor.user_id,
            center_id=new.center_id,
            name=new.patient_name,
            birth_date=new.patient_birth_date,
        )
        if near:
            raise records.NearReferral([row.id for row in near])
    referral = records.refer(
        uow.session, new, catalog=catalog, provider_id=actor.user_id, today=today, now=uow.now
    )
    _audit(uow, CREATED, referral)
    uow.publish(ReferralMade(referral, now=uow.now))
    uow.commit()
    return referral


def view_referral(uow: UnitOfWork, actor: Actor, referral_id: int) -> ReferralRow:
    """One referral the caller may see; the reading is recorded."""
    referral = find_referral(uow.session, actor, referral_id)
    _audit(uow, VIEWED, referral)
    uow.commit()
    return referral


def _rows(
    uow: UnitOfWork, actor: Actor, filters: ReferralFilters, catalog: Catalog
) -> list[DashboardRow]:
    today = today_at(uow.session, catalog, uow.now)
    return dashboard(uow.session, actor, catalog, today=today, now=uow.now, filters=filters)


def list_referrals(
    uow: UnitOfWork, actor: Actor, filters: ReferralFilters, *, catalog: Catalog
) -> list[DashboardRow]:
    """The referrals the caller may see with these filters (a name search among them), each
    counted on its center's date."""
    rows = _rows(uow, actor, filters, catalog)
    action = SEARCHED if filters.search else LISTED
    uow.audit(action, target_type="referral", center_id=filters.center_id)
    uow.commit()
    return rows


def export_referrals(
    uow: UnitOfWork, actor: Actor, filters: ReferralFilters, *, catalog: Catalog
) -> list[DashboardRow]:
    """The rows of an export: exactly those the list shows with these filters."""
    rows = _rows(uow, actor, filters, catalog)
    uow.audit(EXPORTED, target_type="referral", center_id=filters.center_id)
    uow.commit()
    return rows


def record_stage(
    uow: UnitOfWork, actor: Actor, referral_id: int, entry: StageEntry, *, catalog: Catalog
) -> ReferralRow:
    """Append a move or a correction; a refusal changes nothing and is recorded with its
    reason. The referring provider hears of a new stage recorded by anyone else."""
    referral = find_referral(uow.session, actor, referral_id)
    action = STAGE_CORRECTED if entry.correction else STAGE_RECORDED
    number, center_id, provider_id = referral.id, referral.center_id, referral.provider_id
    before = journey(history(referral)).stage
    try:
        if entry.entry is not None and not entry.correction:
            raise InvalidStageChange(
                "Only a correction names the entry it puts right.",
                fields={"entry": "only with correction"},
            )
        today = center_today(uow.session, catalog, center_id, uow.now)
        records.record_stage(
            uow.session, referral, entry.stage, actor=actor, at=entry.at or today,
            note=entry.note, today=today, now=uow.now, correction=entry.correction,
            entry=entry.entry,
        )  # fmt: skip
    except DomainError as error:
        uow.rollback()
        uow.audit(
            action,
            target_type="referral",
            target_id=number,
            center_id=center_id,
            outcome=error.code,
        )
        uow.commit()
        raise
    _audit(uow, action, referral)
    if journey(history(referral)).stage != before and actor.user_id != provider_id:
        last = referral.events[-1]
        uow.publish(
            StageRecorded(
                referral=referral,
                stage=last.stage,
                at=last.at,
                note=last.note,
                now=uow.now,
                entry_id=last.id,
            )
        )
    uow.commit()
    return referral


def change_plan(
    uow: UnitOfWork,
    actor: Actor,
    referral_id: int,
    *,
    catalog: Catalog,
    planned_infusion: date | Unchanged | None = UNCHANGED,
    home: Place | Unchanged | None = UNCHANGED,
) -> ReferralRow:
    """Set or clear the planned infusion date and locate the home again."""
    referral = find_referral(uow.session, actor, referral_id)
    today = center_today(uow.session, catalog, referral.center_id, uow.now)
    records.change_plan(
        uow.session,
        referral,
        products=catalog.products,
        today=today,
        now=uow.now,
        planned_infusion=planned_infusion,
        home=home,
    )
    _audit(uow, PLAN_CHANGED, referral)
    uow.commit()
    return referral
