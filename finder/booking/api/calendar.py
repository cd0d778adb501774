"""The calendar's API: public free slots; the staff's hours, closures, blocks and bookings."""

from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, jsonify, request

from finder.booking import calendar, use_cases
from finder.booking.api.answers import (
    CENTER,
    DATES,
    actor,
    bookings_answer,
    center_of,
    date_range,
    displaced_json,
    path_id,
)
from finder.booking.calendar import NoCalendar
from finder.booking.places import live_holds
from finder.booking.views import slot_json, staff_slot_json
from finder.domain.availability import availability_json, parse_availability, parse_closure
from finder.domain.bookings import STATUSES
from finder.domain.centers import Center
from finder.storage import db
from finder.storage.models import ClosureRow
from finder.web.access import CENTER_STAFF, PUBLIC
from finder.web.api import operations
from finder.web.auth import now
from finder.web.commands import run
from finder.web.openapi import SCHEMAS
from finder.web.operations import json_body
from finder.web.params import Param, parse_query

BOOKING_FILTERS = (*DATES, Param("status", choices=lambda: STATUSES))


@operations.get(
    "/centers/{center_id}/slots",
    summary="Free consultation slots of a center (no patient information).",
    access=PUBLIC,
    query=DATES,
    responses={200: "SlotList", 400: "Error", 404: "Error", 422: "Error"},
    path_examples=CENTER,
)
def slots(center_id: str) -> Response:
    values = parse_query(DATES, request.args)
    center = center_of(center_id)
    first, last = date_range(values, center, default_days=13)
    session = db.session()
    published = calendar.load_availability(session, center) is not None
    moment = now()
    free = calendar.free_slots(session, center, first_day=first, last_day=last, now=moment)
    held = live_holds(session, moment, [slot.id for slot in free])
    return jsonify(
        {
            "center_id": center.id,
            "timezone": center.timezone,
            "published": published,
            "slots": [slot_json(slot, center, held.get(slot.id, 0)) for slot in free],
        }
    )


def _stored_availability(center: Center) -> dict[str, Any]:
    session = db.session()
    availability = calendar.load_availability(session, center)
    if availability is None:
        raise NoCalendar()
    found = calendar.displaced(session, center, now=now())
    return {
        **availability_json(availability),
        "timezone": center.timezone,
        "displaced": displaced_json(found, center),
    }


@operations.get(
    "/centers/{center_id}/availability",
    summary="The center's consultation hours, in its local time.",
    access=CENTER_STAFF,
    responses={200: "StoredAvailability", 404: "Error"},
    path_examples=CENTER,
)
def get_availability(center_id: str) -> Response:
    parse_query((), request.args)
    return jsonify(_stored_availability(center_of(center_id)))


@operations.route(
    "put",
    "/centers/{center_id}/availability",
    summary="Replace the center's hours; the slots over the horizon exist when this returns.",
    access=CENTER_STAFF,
    body="Availability",
    responses={200: "StoredAvailability", 400: "Error", 404: "Error", 422: "Error"},
    path_examples=CENTER,
)
def put_availability(center_id: str) -> Response:
    parse_query((), request.args)
    center = center_of(center_id)
    availability = parse_availability(json_body(SCHEMAS), timezone=center.timezone)
    run(use_cases.change_hours, actor(), center, availability)
    return jsonify(_stored_availability(center))


@operations.get(
    "/centers/{center_id}/closures",
    summary="The center's closures from today on.",
    access=CENTER_STAFF,
    responses={200: "ClosureList", 404: "Error"},
    path_examples=CENTER,
)
def list_closures(center_id: str) -> Response:
    parse_query((), request.args)
    center = center_of(center_id)
    today = now().astimezone(ZoneInfo(center.timezone)).date()
    rows = calendar.closures_of(db.session(), center.id, since=today)
    return jsonify({"closures": [_closure_json(row) for row in rows]})


def _closure_json(row: ClosureRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "start": row.start_date.isoformat(),
        "end": row.end_date.isoformat(),
        "reason": row.reason,
    }


@operations.post(
    "/centers/{center_id}/closures",
    summary="Close the center on a date or a range of dates, with a reason.",
    access=CENTER_STAFF,
    body="ClosureRequest",
    responses={201: "Closure", 400: "Error", 404: "Error", 422: "Error"},
    path_examples=CENTER,
)
def add_closure(center_id: str) -> tuple[Response, int]:
    parse_query((), request.args)
    center = center_of(center_id)
    closure = parse_closure(json_body(SCHEMAS))
    added = run(use_cases.add_closure, actor(), center, closure)
    body = {**_closure_json(added.closure), "displaced": displaced_json(added.falling, center)}
    return jsonify(body), 201


@operations.delete(
    "/centers/{center_id}/closures/{closure_id}",
    summary="Remove a closure; its dates are offered again.",
    access=CENTER_STAFF,
    responses={204: None, 404: "Error"},
    path_examples={**CENTER, "closure_id": "1"},
)
def remove_closure(center_id: str, closure_id: str) -> tuple[str, int]:
    parse_query((), request.args)
    center = center_of(center_id)
    run(use_cases.remove_closure, actor(), center, path_id(closure_id, "closure"))
    return "", 204


@operations.post(
    "/centers/{center_id}/slots/{slot_id}/block",
    summary="Block one slot (its bookings stay) or open it again.",
    access=CENTER_STAFF,
    body="BlockRequest",
    responses={200: "Slot", 400: "Error", 404: "Error"},
    path_examples={**CENTER, "slot_id": "1"},
)
def block_slot(center_id: str, slot_id: str) -> Response:
    parse_query((), request.args)
    center = center_of(center_id)
    slot_number = path_id(slot_id, "slot at this center")
    body = json_body(SCHEMAS)
    slot = run(
        use_cases.block_slot,
        actor(),
        center,
        slot_number,
        blocked=body["blocked"],
        reason=body.get("reason"),
    )
    return jsonify(staff_slot_json(slot, center))


@operations.get(
    "/centers/{center_id}/bookings",
    summary="The center's bookings whose consultation falls in the dates given.",
    access=CENTER_STAFF,
    query=BOOKING_FILTERS,
    responses={200: "BookingList", 400: "Error", 404: "Error", 422: "Error"},
    path_examples=CENTER,
)
def center_bookings(center_id: str) -> Response:
    values = parse_query(BOOKING_FILTERS, request.args)
    center = center_of(center_id)
    first, last = date_range(values, center, default_days=13)
    rows = run(
        use_cases.list_center_bookings,
        actor(),
        center,
        first=first,
        last=last,
        status=values["status"],
    )
    return jsonify(
        {"center_id": center.id, "timezone": center.timezone, "bookings": bookings_answer(rows)}
    )
