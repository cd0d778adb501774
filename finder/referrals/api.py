"""The referral dashboard API: referred patients and their journey, the proximity-stay plan, and
the CSV export. A provider sees their own referrals, staff their centers', an admin all; another
tenant's referral is 404. Every read and change is audited, never its content, and a patient's
name is only ever searched for by POST, so that it stays out of URLs and request logs.

"Today" is the center's local date (its time zone): the default date of a stage, the latest
date a stage may carry, a patient's age check, days in stage and overdue flags. Times in the
answers are given in the center's zone too.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, jsonify, request

from finder.booking.views import local_iso
from finder.catalog import Catalog
from finder.domain.accounts import Actor
from finder.domain.bookings import parse_patient
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.journey import EXITS, STAGES, InvalidStageChange, journey
from finder.domain.journey_flags import days_in_stage, overdue
from finder.domain.stay_plan import InvalidPlan
from finder.extensions import current_catalog, current_geocoder
from finder.geocoding import InvalidQuery, Place
from finder.referrals.records import (
    NewReferral,
    find_referral,
    history,
    record_stage,
    refer,
)
from finder.referrals.records import change_plan as save_plan
from finder.referrals.schemas import REFERRAL_SCHEMAS
from finder.referrals.views import (
    DashboardRow,
    ReferralFilters,
    dashboard,
    export_csv,
    infusion_days,
    next_appointments,
    referral_json,
    referral_plan,
    rule_of,
)
from finder.storage import db
from finder.storage.models import CenterRow, ReferralRow
from finder.web.access import PROVIDER, SIGNED_IN
from finder.web.api import operations
from finder.web.auth import current_actor, now, record_event
from finder.web.ids import MAX_ID
from finder.web.openapi import SCHEMAS
from finder.web.operations import json_body
from finder.web.params import Param, parse_query

ALL_STAGES = (*STAGES, *EXITS)
CENTER_ID = "^[a-z0-9-]*$"  # a center id's characters (or nothing: no filter)
FILTERS = (
    # "" is listed because empty means "no filter", as for every optional parameter.
    Param("stage", choices=lambda: ("", *ALL_STAGES), description="Only referrals at this stage."),
    Param(
        "center_id",
        max_length=80,
        pattern=CENTER_ID,
        description="Only referrals to this center.",
    ),
    Param(
        "overdue",
        choices=lambda: ("", "0", "1"),
        description="1: only referrals that wait longer than the typical journey.",
    ),
)
REFERRAL = {"path_examples": {"referral_id": "1"}, "path_converters": {"referral_id": "int"}}

SCHEMAS.update(REFERRAL_SCHEMAS)


class InvalidReferral(DomainError):
    """A referral request whose values cannot be used; `fields` names each, never a value."""

    code = "invalid_referral"


class InvalidHome(DomainError):
    """Text in `home` that cannot be a place at all (the geocoder's own words)."""

    code = "invalid_location"


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None  # noqa: S101 - the access rule guarantees it
    return actor


def _referral_id(number: int) -> int:
    """A path's referral id (digits, routed as an int); one no database holds is not found."""
    if not 1 <= number <= MAX_ID:
        raise UnknownReference("No such referral.")
    return number


def _center_facts(center_id: str, catalog: Catalog) -> tuple[str, str]:
    """The center's name and time zone; a center withdrawn from the list keeps its row."""
    try:
        center = catalog.centers.get(center_id)
        return center.name, center.timezone
    except UnknownReference:
        row = db.session().get(CenterRow, center_id)
        return (row.name, row.timezone) if row is not None else (center_id, "UTC")


def _local_today(zone: str, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def _today_at(catalog: Catalog, moment: datetime) -> Callable[[str], date]:
    """The local date at each center, for the dashboard's days in stage and flags."""
    zones: dict[str, date] = {}

    def today(center_id: str) -> date:
        if center_id not in zones:
            zones[center_id] = _local_today(_center_facts(center_id, catalog)[1], moment)
        return zones[center_id]

    return today


def _audit(action: str, referral: ReferralRow) -> None:
    """Record a read or change of this referral: who and what, never the patient."""
    record_event(
        action, target_type="referral", target_id=referral.id, center_id=referral.center_id
    )


# The answer ------------------------------------------------------------------------------------


def _row(referral: ReferralRow, catalog: Catalog, moment: datetime) -> DashboardRow:
    """One referral as a dashboard row, counted as the dashboard counts it."""
    past = history(referral)
    today = _today_at(catalog, moment)(referral.center_id)
    upcoming = next_appointments(db.session(), [referral.id], now=moment)
    return DashboardRow(
        referral=referral,
        journey=journey(past),
        days_in_stage=days_in_stage(past, today),
        next_appointment=upcoming.get(referral.id),
        flags=overdue(
            past,
            today,
            rule=rule_of(referral, catalog),
            infusion_days=infusion_days(referral, catalog),
        ),
        plan=referral_plan(referral, catalog),
    )


def _referral_body(row: DashboardRow, catalog: Catalog) -> dict[str, Any]:
    """views.referral_json with the center's time zone, and its times given in that zone."""
    referral = row.referral
    name, zone = _center_facts(referral.center_id, catalog)
    body: dict[str, Any] = {}
    for key, value in referral_json(row, name).items():
        body[key] = value
        if key == "center_name":
            body["timezone"] = zone
    if row.next_appointment is not None:
        body["next_appointment"] = local_iso(row.next_appointment, zone)
    body["created_at"] = local_iso(referral.created_at, zone)
    body["updated_at"] = local_iso(referral.updated_at, zone)
    for item, entry in zip(body["history"], row.journey.entries, strict=True):
        item["recorded_at"] = local_iso(entry.change.recorded_at, zone)
    return body


def _answer(referral: ReferralRow, catalog: Catalog, moment: datetime) -> dict[str, Any]:
    return _referral_body(_row(referral, catalog, moment), catalog)


def _list(filters: ReferralFilters, action: str) -> Response:
    catalog, moment = current_catalog(), now()
    session = db.session()
    rows = dashboard(
        session,
        _actor(),
        catalog,
        today=_today_at(catalog, moment),
        now=moment,
        filters=filters,
    )
    record_event(action, target_type="referral")
    session.commit()
    return jsonify({"referrals": [_referral_body(row, catalog) for row in rows]})


def _query_filters(values: dict[str, Any]) -> ReferralFilters:
    return ReferralFilters(
        stage=values["stage"],
        center_id=values["center_id"],
        overdue_only=values["overdue"] == "1",
    )


# Reading ---------------------------------------------------------------------------------------


@operations.get(
    "/referrals",
    summary="Referrals the caller may see (a provider's own, staff their centers', admin all), "
    "newest change first. Search by name with POST /referrals/search.",
    access=SIGNED_IN,
    query=FILTERS,
    responses={200: "ReferralList", 400: "Error"},
)
def list_referrals() -> Response:
    values = parse_query(FILTERS, request.args)
    return _list(_query_filters(values), "referral_listed")


@operations.post(
    "/referrals/search",
    summary="Referrals whose patient's name holds every word searched, by POST so that the "
    "name stays out of URLs and logs; the same filters as GET /referrals.",
    access=SIGNED_IN,
    body="ReferralSearch",
    responses={200: "ReferralList", 400: "Error"},
)
def search_referrals() -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    filters = ReferralFilters(
        stage=body.get("stage"),
        center_id=body.get("center_id") or None,
        search=body["search"],
        overdue_only=bool(body.get("overdue", False)),
    )
    return _list(filters, "referral_searched")


@operations.get(
    "/referrals/export.csv",
    summary="The referrals the caller may see, as CSV (the same filters as GET /referrals).",
    access=SIGNED_IN,
    query=FILTERS,
    responses={200: None, 400: "Error"},
)
def export_referrals() -> Response:
    values = parse_query(FILTERS, request.args)
    catalog, moment = current_catalog(), now()
    session = db.session()
    rows = dashboard(
        session,
        _actor(),
        catalog,
        today=_today_at(catalog, moment),
        now=moment,
        filters=_query_filters(values),
    )
    record_event("referral_exported", target_type="referral")
    session.commit()
    day = _export_day([row.referral.center_id for row in rows], catalog, moment)
    return Response(
        export_csv(rows),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="referrals-{day.isoformat()}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _export_day(center_ids: Sequence[str], catalog: Catalog, moment: datetime) -> date:
    """The export's date: the centers' local date when they share one zone, else UTC's."""
    zones = {_center_facts(center_id, catalog)[1] for center_id in set(center_ids)}
    return _local_today(zones.pop() if len(zones) == 1 else "UTC", moment)


@operations.get(
    "/referrals/{referral_id}",
    summary="One referral with its patient, journey history and proximity-stay plan.",
    access=SIGNED_IN,
    responses={200: "Referral", 404: "Error"},
    **REFERRAL,
)
def get_referral(referral_id: int) -> Response:
    parse_query((), request.args)
    session = db.session()
    referral = find_referral(session, _actor(), _referral_id(referral_id))
    _audit("referral_viewed", referral)
    session.commit()
    return jsonify(_answer(referral, current_catalog(), now()))


# Changing --------------------------------------------------------------------------------------


@operations.post(
    "/referrals",
    summary="Refer a patient to a center (at eligibility or referral); `home` is located at "
    "the precision given.",
    access=PROVIDER,
    body="ReferralRequest",
    responses={201: "Referral", 400: "Error", 409: "Error", 422: "Error", 503: "Error"},
)
def create_referral() -> tuple[Response, int]:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    catalog, moment = current_catalog(), now()
    session = db.session()
    actor = _actor()
    new, today = _new_referral(body, catalog, moment)
    referral = refer(
        session, new, catalog=catalog, provider_id=actor.user_id, today=today, now=moment
    )
    _audit("referral_created", referral)
    session.commit()
    return jsonify(_answer(referral, catalog, moment)), 201


def _new_referral(
    body: dict[str, Any], catalog: Catalog, moment: datetime
) -> tuple[NewReferral, date]:
    """The referral to make and the center's date today, or why not, each field named."""
    problems: dict[str, str] = {}
    try:
        center = catalog.centers.get(body["center_id"])
    except UnknownReference:
        center = None
        problems["center_id"] = "unknown center"
    today = _local_today(center.timezone if center else "UTC", moment)
    patient = parse_patient(body["patient"], today=today, problems=problems)
    products = catalog.products
    indication = body.get("indication") or ""
    if indication and indication not in products.indications:
        problems["indication"] = "unknown indication"
    product = body.get("product") or None
    if product is not None and product not in products.ids:
        problems["product"] = "unknown product"
    rule = body.get("rule") or catalog.rules.default_id
    if rule not in catalog.rules.ids:
        problems["rule"] = "unknown rule set"
    if problems or patient is None or center is None:
        listed = "; ".join(f"{name}: {reason}" for name, reason in sorted(problems.items()))
        raise InvalidReferral(f"Check the referral ({listed}).", fields=problems)
    new = NewReferral(
        center_id=center.id,
        patient_name=patient.name,
        patient_birth_date=patient.birth_date,
        patient_email=patient.email,
        patient_phone=patient.phone,
        indication=indication,
        product=product,
        rule_id=rule,
        home=_locate(body.get("home") or ""),
        stage=body.get("stage") or "referral",
        note=body.get("note") or "",
    )
    return new, today


def _locate(text: str) -> Place | None:
    """The home as the geocoder places it, at the precision given; None when left empty."""
    query = text.strip()
    if not query:
        return None
    try:
        return current_geocoder().geocode(query)
    except InvalidQuery as error:
        raise InvalidHome(error.message, fields={"home": "invalid"}) from None


@operations.post(
    "/referrals/{referral_id}/stage",
    summary="Record the referral's next stage, or (`correction`) put an entry right; the history "
    "only grows. The referring provider, the center's staff and admins.",
    access=SIGNED_IN,
    body="StageChange",
    responses={200: "Referral", 400: "Error", 404: "Error", 409: "Error", 422: "Error"},
    **REFERRAL,
)
def record_referral_stage(referral_id: int) -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    catalog, moment = current_catalog(), now()
    session = db.session()
    actor = _actor()
    referral = find_referral(session, actor, _referral_id(referral_id))
    today = _local_today(_center_facts(referral.center_id, catalog)[1], moment)
    correction = bool(body.get("correction", False))
    entry = body.get("entry")
    if entry is not None and not correction:
        raise InvalidStageChange(
            "Only a correction names the entry it puts right.",
            fields={"entry": "only with correction"},
        )
    record_stage(
        session,
        referral,
        body["stage"],
        actor=actor,
        at=_stage_day(body.get("at"), today),
        note=body.get("note") or "",
        today=today,
        now=moment,
        correction=correction,
        entry=entry,
    )
    _audit("referral_stage_corrected" if correction else "referral_stage_recorded", referral)
    session.commit()
    return jsonify(_answer(referral, catalog, moment))


def _stage_day(value: str | None, today: date) -> date:
    if not value:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidStageChange(
            "The date is not a day of the calendar.", fields={"at": "no such day"}
        ) from None


@operations.route(
    "put",
    "/referrals/{referral_id}/plan",
    summary="Set or clear the planned infusion date and/or locate the patient's home again; the "
    "referral then carries its proximity-stay plan.",
    access=SIGNED_IN,
    body="PlanChange",
    responses={
        200: "Referral",
        400: "Error",
        404: "Error",
        409: "Error",
        422: "Error",
        503: "Error",
    },
    **REFERRAL,
)
def change_plan(referral_id: int) -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    catalog, moment = current_catalog(), now()
    session = db.session()
    referral = find_referral(session, _actor(), _referral_id(referral_id))
    changes: dict[str, Any] = {}
    if "planned_infusion" in body:
        changes["planned_infusion"] = _planned_day(body["planned_infusion"])
    if "home" in body:
        changes["home"] = _locate(body["home"])
    today = _local_today(_center_facts(referral.center_id, catalog)[1], moment)
    save_plan(session, referral, products=catalog.products, today=today, now=moment, **changes)
    _audit("referral_plan_changed", referral)
    session.commit()
    return jsonify(_answer(referral, catalog, moment))


def _planned_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidPlan(
            "The planned infusion date is not a day of the calendar.",
            fields={"planned_infusion": "no such day"},
        ) from None
