"""Referrals as the dashboards, the API and the export show them: stage, days in stage, the next
appointment, overdue flags and the proximity-stay plan."""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.centers.catalog import Catalog
from finder.domain.accounts import Actor
from finder.domain.bookings import BOOKED
from finder.domain.errors import UnknownReference
from finder.domain.journey import EXITS, STAGES, Journey, journey, label
from finder.domain.journey import infusion_dates as recorded_infusion_dates
from finder.domain.journey_flags import OverdueFlag, days_in_stage, overdue
from finder.domain.proximity_rules import ProximityRule
from finder.domain.ranking import reach_between
from finder.domain.stay_plan import StayPlan, stay_plan
from finder.referrals.records import history, visible_referrals
from finder.storage.models import BookingRow, ReferralRow, SlotRow

MAX_SEARCH = 100


@dataclass(frozen=True)
class ReferralPlan:
    """The stay plan, and how it was reached: recorded or planned infusions, home or not."""

    plan: StayPlan
    planned: bool  # from the planned infusion date, no infusion recorded yet
    home_known: bool
    drive_minutes: float | None


@dataclass(frozen=True)
class ReferralFilters:
    stage: str | None = None
    center_id: str | None = None
    search: str = ""  # a part of the patient's name
    overdue_only: bool = False


@dataclass(frozen=True)
class DashboardRow:
    referral: ReferralRow
    journey: Journey
    days_in_stage: int | None
    next_appointment: datetime | None
    flags: tuple[OverdueFlag, ...]
    plan: ReferralPlan | None


def infusion_days(referral: ReferralRow, catalog: Catalog) -> tuple[int, ...]:
    """The product's dosing days (Aucatzyl 1 and 10); one day when the product is not known."""
    if not referral.product:
        return (1,)
    try:
        return catalog.products.get(referral.product).infusion_days
    except UnknownReference:
        return (1,)


def rule_of(referral: ReferralRow, catalog: Catalog) -> ProximityRule:
    return catalog.rules.get(referral.rule_id)


def referral_plan(referral: ReferralRow, catalog: Catalog) -> ReferralPlan | None:
    """The plan once an infusion is recorded or planned; None before that."""
    days = infusion_days(referral, catalog)
    dates = recorded_infusion_dates(history(referral), days)
    planned = not dates
    if planned:
        if referral.planned_infusion is None:
            return None
        dates = [referral.planned_infusion + timedelta(days=day - 1) for day in days]
    rule = rule_of(referral, catalog)
    minutes = None
    within = False
    home_known = referral.home_lat is not None and referral.home_lon is not None
    if referral.home_lat is not None and referral.home_lon is not None:
        try:
            center = catalog.centers.get(referral.center_id)
        except UnknownReference:  # the center was withdrawn from the list: nothing to measure
            home_known = False
        else:
            reach = reach_between((referral.home_lat, referral.home_lon), center, rule)
            minutes, within = reach.drive_minutes, reach.within_proximity
    plan = stay_plan(dates, rule, within_proximity=within)
    return ReferralPlan(plan, planned, home_known, minutes)


def dashboard(
    session: Session,
    actor: Actor,
    catalog: Catalog,
    *,
    today: date | Callable[[str], date],
    now: datetime,
    filters: ReferralFilters = ReferralFilters(),
) -> list[DashboardRow]:
    """The referrals this actor may see, with what each dashboard row shows, newest first.
    `today` is a date, or gives the local date of a center id (each row counts its days then)."""
    today_at = today if callable(today) else (lambda _center_id: today)
    query = visible_referrals(actor)
    if filters.stage:
        query = query.where(ReferralRow.stage == filters.stage)
    if filters.center_id:
        query = query.where(ReferralRow.center_id == filters.center_id)
    referrals = list(session.scalars(query.order_by(ReferralRow.updated_at.desc())))
    if filters.search:
        # Matched here, not in SQL: the databases' lower() folds only ASCII (SQLite) or
        # depends on the locale (PostgreSQL); casefold() finds "Álvarez" by "álvarez" on both.
        words = filters.search.strip()[:MAX_SEARCH].casefold().split()
        referrals = [r for r in referrals if all(w in r.patient_name.casefold() for w in words)]
    upcoming = next_appointments(session, [r.id for r in referrals], now=now)
    rows = []
    for referral in referrals:
        past = history(referral)
        rule = rule_of(referral, catalog)
        day = today_at(referral.center_id)
        flags = overdue(past, day, rule=rule, infusion_days=infusion_days(referral, catalog))
        if filters.overdue_only and not flags:
            continue
        rows.append(
            DashboardRow(
                referral=referral,
                journey=journey(past),
                days_in_stage=days_in_stage(past, day),
                next_appointment=upcoming.get(referral.id),
                flags=flags,
                plan=referral_plan(referral, catalog),
            )
        )
    return rows


def next_appointments(
    session: Session, referral_ids: Sequence[int], *, now: datetime
) -> dict[int, datetime]:
    """Each referral's next booked consultation, in one query."""
    if not referral_ids:
        return {}
    found = session.execute(
        select(BookingRow.referral_id, func.min(SlotRow.start_at))
        .join(SlotRow, BookingRow.slot_id == SlotRow.id)
        .where(
            BookingRow.referral_id.in_(list(referral_ids)),
            BookingRow.status == BOOKED,
            SlotRow.start_at > now,
        )
        .group_by(BookingRow.referral_id)
    ).all()
    return {referral_id: _utc(start) for referral_id, start in found if referral_id is not None}


def by_stage(rows: Iterable[DashboardRow]) -> list[tuple[str, list[DashboardRow]]]:
    """The center's view: referrals grouped by stage in journey order, exits last."""
    groups: dict[str, list[DashboardRow]] = {}
    for row in rows:
        groups.setdefault(row.referral.stage, []).append(row)
    return [(stage, groups[stage]) for stage in (*STAGES, *EXITS) if stage in groups]


def referral_json(row: DashboardRow, center_name: str) -> dict[str, Any]:
    """A referral with its patient: for its provider, its center's staff and admins."""
    referral, plan = row.referral, row.plan
    body: dict[str, Any] = {
        "id": referral.id,
        "center_id": referral.center_id,
        "center_name": center_name,
        "provider_id": referral.provider_id,
        "patient": {
            "name": referral.patient_name,
            "birth_date": referral.patient_birth_date.isoformat(),
            "email": referral.patient_email,
            "phone": referral.patient_phone,
        },
        "home": {
            "label": referral.home_label,
            "precision": referral.home_precision or None,
        }
        if referral.home_label
        else None,
        "indication": referral.indication,
        "product": referral.product,
        "rule": referral.rule_id,
        "stage": referral.stage,
        "stage_label": label(referral.stage),
        "stage_since": referral.stage_since.isoformat(),
        "days_in_stage": row.days_in_stage,
        "next_appointment": row.next_appointment.isoformat() if row.next_appointment else None,
        "overdue": [{"code": f.code, "message": f.message, "days": f.days} for f in row.flags],
        "planned_infusion": referral.planned_infusion.isoformat()
        if referral.planned_infusion
        else None,
        "history": [
            {
                "position": entry.index,
                "stage": entry.change.stage,
                "at": entry.change.at.isoformat(),
                "by": entry.change.by_user_id,
                "note": entry.change.note,
                "recorded_at": entry.change.recorded_at.isoformat(),
                "correction_of": entry.change.correction_of,
                "superseded": entry.superseded,
            }
            for entry in row.journey.entries
        ],
        "created_at": referral.created_at.isoformat(),
        "updated_at": referral.updated_at.isoformat(),
    }
    if plan is not None:
        body.update(
            {
                "stay_until": plan.plan.stay_until.isoformat(),
                "no_driving_until": plan.plan.no_driving_until.isoformat(),
                "within_proximity": plan.plan.within_proximity if plan.home_known else None,
                "rule": plan.plan.rule.id,
                "plan": {
                    "first_infusion": plan.plan.first_infusion.isoformat(),
                    "last_infusion": plan.plan.last_infusion.isoformat(),
                    "planned": plan.planned,
                    "home_known": plan.home_known,
                    "drive_minutes": None
                    if plan.drive_minutes is None
                    else round(plan.drive_minutes),
                    "lodging_needed": plan.plan.needs_lodging if plan.home_known else None,
                },
            }
        )
    return body


CSV_COLUMNS = (
    "referral_id", "center_id", "patient_name", "patient_birth_date", "indication", "product",
    "stage", "stage_since", "days_in_stage", "next_appointment", "overdue", "stay_until",
    "no_driving_until", "within_proximity",
)  # fmt: skip


def export_csv(rows: Iterable[DashboardRow]) -> str:
    """What the user may see, one line per referral; cells that a spreadsheet would run as a
    formula are quoted with a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        referral, plan = row.referral, row.plan
        writer.writerow(
            _safe(value)
            for value in (
                referral.id, referral.center_id, referral.patient_name,
                referral.patient_birth_date.isoformat(), referral.indication,
                referral.product or "", referral.stage, referral.stage_since.isoformat(),
                "" if row.days_in_stage is None else row.days_in_stage,
                row.next_appointment.isoformat() if row.next_appointment else "",
                "; ".join(flag.message for flag in row.flags),
                plan.plan.stay_until.isoformat() if plan else "",
                plan.plan.no_driving_until.isoformat() if plan else "",
                "" if plan is None or not plan.home_known else plan.plan.within_proximity,
            )
        )  # fmt: skip
    return out.getvalue()


def _safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _utc(value: datetime) -> datetime:
    """SQLite's aggregate loses the zone the column type would have added."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def bookings_of(session: Session, referral_id: int) -> list[BookingRow]:
    """The consultations booked under this referral, earliest first."""
    return list(
        session.scalars(
            select(BookingRow)
            .join(SlotRow, BookingRow.slot_id == SlotRow.id)
            .where(BookingRow.referral_id == referral_id)
            .order_by(SlotRow.start_at)
        )
    )
