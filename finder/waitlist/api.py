"""The waitlist's API: a provider asks to be offered a consultation at a center, lists and
withdraws their requests; the center's staff list theirs. The request names the patient only
by initials or the provider's own reference, never by name."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, jsonify, request

from finder.domain.accounts import Actor
from finder.domain.errors import UnknownReference
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import SlotRow, WaitlistRow
from finder.waitlist import records, use_cases
from finder.waitlist.rules import MAX_DAYS, MAX_REFERENCE
from finder.web import limits
from finder.web.access import PROVIDER, SIGNED_IN
from finder.web.api import operations
from finder.web.auth import current_actor
from finder.web.commands import run
from finder.web.ids import record_id
from finder.web.openapi import SCHEMAS
from finder.web.operations import json_body
from finder.web.params import Param, parse_query
from finder.web.schema_parts import DAY, ID, INSTANT, NULLABLE_STRING, STRING, ref

REFERENCE = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_REFERENCE,
    "pattern": "^[A-Za-z0-9][A-Za-z0-9.\\-_/#]*$",
    "description": "The patient's initials or your own reference, never a name: letters, "
    "digits or . - _ / #, without spaces.",
}
SCHEMAS.update(
    {
        "WaitlistRequest": {
            "type": "object",
            "required": ["from", "to", "reference"],
            "additionalProperties": False,
            "properties": {"from": DAY, "to": DAY, "reference": REFERENCE},
        },
        "WaitlistEntry": {
            "type": "object",
            "required": ["id", "center_id", "from", "to", "reference", "status", "created_at"],
            "properties": {
                "id": ID,
                "center_id": STRING,
                "from": DAY,
                "to": DAY,
                "reference": STRING,
                "status": {"enum": ["waiting", "offered", "booked", "withdrawn"]},
                "fhir_status": {"enum": ["waitlist", "booked", "cancelled"]},
                "created_at": INSTANT,
                "offer": {
                    "type": ["object", "null"],
                    "properties": {
                        "slot_id": ID,
                        "start": INSTANT,
                        "expires_at": INSTANT,
                        "book": NULLABLE_STRING,
                    },
                },
            },
        },
        "Waitlist": {"type": "array", "items": ref("WaitlistEntry")},
    }
)

FILTERS = (Param("center", description="Only this center's requests.", max_length=80),)
FHIR_STATUS = {"waiting": "waitlist", "offered": "waitlist", "booked": "booked",
               "withdrawn": "cancelled"}  # fmt: skip


def _actor() -> Actor:
    found = current_actor()
    assert found is not None  # noqa: S101 - the access rule guarantees it
    return found


def _local(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def entry_json(row: WaitlistRow) -> dict[str, Any]:
    zone = current_catalog().centers.get(row.center_id).timezone
    offer = records.open_offer(db.session(), row.id) if row.status == records.OFFERED else None
    slot = db.session().get(SlotRow, offer.slot_id) if offer is not None else None
    return {
        "id": row.id,
        "center_id": row.center_id,
        "from": row.first_day.isoformat(),
        "to": row.last_day.isoformat(),
        "reference": row.reference,
        "status": row.status,
        "fhir_status": FHIR_STATUS.get(row.status, "waitlist"),
        "created_at": _local(row.created_at, zone),
        "offer": {
            "slot_id": slot.id,
            "start": _local(slot.start_at, zone),
            "expires_at": _local(offer.expires_at, zone),
            "book": f"/book/{row.center_id}?slot={slot.id}",
        }
        if offer is not None and slot is not None
        else None,
    }


@operations.post(
    "/centers/{center_id}/waitlist",
    summary="Ask to be offered a consultation at the center between two local dates (at most "
    f"{MAX_DAYS} days apart). When a place frees it is held for the oldest matching request "
    "and its provider is mailed a link to book it. `reference`: the patient's initials or your "
    "own reference only, never a name.",
    access=PROVIDER,
    body="WaitlistRequest",
    rate_limit=limits.BOOKING,
    responses={201: "WaitlistEntry", 400: "Error", 404: "Error", 422: "Error"},
    path_examples={"center_id": "dana-farber-boston"},
)
def join_waitlist(center_id: str) -> tuple[Response, int]:
    parse_query((), request.args)
    center = current_catalog().centers.get(center_id)
    body = json_body(SCHEMAS)
    row = run(use_cases.join_waitlist, _actor(), center, body)
    return jsonify(entry_json(row)), 201


@operations.get(
    "/waitlist",
    summary="Waitlist requests: a provider's own, the staff's centers', an admin's all; oldest "
    "first.",
    access=SIGNED_IN,
    query=FILTERS,
    responses={200: "Waitlist", 400: "Error", 404: "Error"},
)
def list_waitlist() -> Response:
    values = parse_query(FILTERS, request.args)
    center_id = values["center"] or None
    if center_id is not None:
        current_catalog().centers.get(center_id)  # an unknown center is 404
    rows = run(use_cases.list_waitlist, _actor(), center_id=center_id)
    return jsonify([entry_json(row) for row in rows])


@operations.delete(
    "/waitlist/{request_id}",
    summary="Withdraw your waitlist request; a place it was offered goes to the next request.",
    access=PROVIDER,
    responses={204: None, 404: "Error"},
    path_examples={"request_id": "1"},
)
def withdraw_request(request_id: str) -> tuple[str, int]:
    parse_query((), request.args)
    number = record_id(request_id)
    if number is None:
        raise UnknownReference("No such waitlist request.")
    run(use_cases.withdraw_request, _actor(), number)
    return "", 204
