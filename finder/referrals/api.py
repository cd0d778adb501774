"""The referral dashboard API: referred patients and their journey, the proximity-stay plan, and
the CSV export. A provider sees their own referrals, staff their centers', an admin all; another
tenant's referral is 404. Every read and change is audited, never its content, and a patient's
name is only ever searched for by POST, so that it stays out of URLs and request logs.

"Today" is the center's local date (its time zone): the default date of a stage, the latest
date a stage may carry, a patient's age check, days in stage and overdue flags. Times in the
answers are given in the center's zone too.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, jsonify, request
from flask_babel import get_locale

from finder.centers.catalog import Catalog
from finder.domain.accounts import Actor
from finder.domain.errors import UnknownReference
from finder.domain.journey import EXITS, STAGES, InvalidStageChange, journey
from finder.domain.journey_flags import days_in_stage, overdue
from finder.domain.stay_plan import InvalidPlan
from finder.extensions import current_catalog, current_geocoder
from finder.geocoding import InvalidQuery, Place
from finder.referrals import use_cases
from finder.referrals.centers import center_facts, center_today, local_today
from finder.referrals.intake import ReferralRequest
from finder.referrals.records import InvalidHome, history
from finder.referrals.schemas import REFERRAL_SCHEMAS
from finder.referrals.views import (
    DashboardRow,
    ReferralFilters,
    export_csv,
    infusion_days,
    next_appointments,
    referral_json,
    referral_plan,
    rule_of,
)
from finder.storage import db
from finder.storage.models import ReferralRow
from finder.web.access import PROVIDER, SIGNED_IN
from finder.web.api import operations
from finder.web.auth import current_actor, now
from finder.web.commands import run
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


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None  # noqa: S101 - the access rule guarantees it
    return actor


def _referral_id(number: int) -> int:
    """A path's referral id (digits, routed as an int); one no database holds is not found."""
    if not 1 <= number <= MAX_ID:
        raise UnknownReference("No such referral.")
    return number


# The answer ------------------------------------------------------------------------------------


def local_iso(instant: datetime, timezone: str) -> str:
    """An instant as ISO 8601 with the offset of the given zone (the API's times)."""
    return instant.astimezone(ZoneInfo(timezone)).isoformat()


def _row(referral: ReferralRow, catalog: Catalog, moment: datetime) -> DashboardRow:
    """One referral as a dashboard row, counted as the dashboard counts it."""
    past = history(referral)
    today = center_today(db.session(), catalog, referral.center_id, moment)
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
    name, zone = center_facts(db.session(), catalog, referral.center_id)
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


def _list(filters: ReferralFilters) -> Response:
    catalog = current_catalog()
    rows = run(use_cases.list_referrals, _actor(), filters, catalog=catalog)
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
    return _list(_query_filters(values))


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
    return _list(filters)


@operations.get(
    "/referrals/export.csv",
    summary="The referrals the caller may see, as CSV (the same filters as GET /referrals).",
    access=SIGNED_IN,
    query=FILTERS,
    responses={200: None, 400: "Error"},
)
def export_referrals() -> Response:
    values = parse_query(FILTERS, request.args)
    catalog = current_catalog()
    rows = run(use_cases.export_referrals, _actor(), _query_filters(values), catalog=catalog)
    day = _export_day([row.referral.center_id for row in rows], catalog, now())
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
    zones = {center_facts(db.session(), catalog, center_id)[1] for center_id in set(center_ids)}
    return local_today(zones.pop() if len(zones) == 1 else "UTC", moment)


@operations.get(
    "/referrals/{referral_id}",
    summary="One referral with its patient, journey history and proximity-stay plan.",
    access=SIGNED_IN,
    responses={200: "Referral", 404: "Error"},
    **REFERRAL,
)
def get_referral(referral_id: int) -> Response:
    parse_query((), request.args)
    referral = run(use_cases.view_referral, _actor(), _referral_id(referral_id))
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
    catalog = current_catalog()
    asked = ReferralRequest(
        center_id=body["center_id"],
        patient=body["patient"],
        indication=body.get("indication") or "",
        product=body.get("product") or None,
        rule=body.get("rule") or "",
        stage=body.get("stage") or "",
        note=body.get("note") or "",
        home=_locate(body.get("home") or ""),
        language=str(get_locale()),
    )
    referral = run(use_cases.refer, _actor(), asked, catalog=catalog)
    return jsonify(_answer(referral, catalog, now())), 201


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
    catalog = current_catalog()
    entry = use_cases.StageEntry(
        stage=body["stage"],
        at=_stage_day(body.get("at")),
        note=body.get("note") or "",
        correction=bool(body.get("correction", False)),
        entry=body.get("entry"),
    )
    number = _referral_id(referral_id)
    referral = run(use_cases.record_stage, _actor(), number, entry, catalog=catalog)
    return jsonify(_answer(referral, catalog, now()))


def _stage_day(value: str | None) -> date | None:
    """The stage's date as given, or None for the center's date today."""
    if not value:
        return None
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
    catalog = current_catalog()
    changes: dict[str, Any] = {}
    if "planned_infusion" in body:
        changes["planned_infusion"] = _planned_day(body["planned_infusion"])
    if "home" in body:
        changes["home"] = _locate(body["home"])
    number = _referral_id(referral_id)
    referral = run(use_cases.change_plan, _actor(), number, catalog=catalog, **changes)
    return jsonify(_answer(referral, catalog, now()))


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
