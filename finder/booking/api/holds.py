"""Holding a slot's place while the booking is made, and letting it go."""

from typing import Any

from flask import Response, current_app, jsonify, request

from finder.booking import use_cases
from finder.booking.api.answers import actor, center_of, path_id
from finder.booking.views import local_iso
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import HoldRow, SlotRow
from finder.web.access import PROVIDER
from finder.web.api import operations
from finder.web.commands import run
from finder.web.params import parse_query


def hold_answer(hold: HoldRow) -> dict[str, Any]:
    slot = db.session().get(SlotRow, hold.slot_id)
    zone = center_of(slot.center_id).timezone if slot is not None else "UTC"
    return {
        "hold_id": hold.id,
        "slot_id": hold.slot_id,
        "expires_at": local_iso(hold.expires_at, zone),
    }


@operations.post(
    "/slots/{slot_id}/hold",
    summary="Keep a place of the slot for you for a few minutes while you book it (409 when "
    "no place is free). Holding it again renews your hold.",
    access=PROVIDER,
    responses={201: "Hold", 404: "Error", 409: "Error"},
    path_examples={"slot_id": "1"},
)
def hold_slot(slot_id: str) -> tuple[Response, int]:
    parse_query((), request.args)
    hold = run(
        use_cases.hold_slot,
        actor(),
        path_id(slot_id, "slot"),
        centers=current_catalog().centers,
        seconds=current_app.config["HOLD_SECONDS"],
    )
    return jsonify(hold_answer(hold)), 201


@operations.delete(
    "/holds/{hold_id}",
    summary="Let a held place go at once.",
    access=PROVIDER,
    responses={204: None, 404: "Error"},
    path_examples={"hold_id": "0123456789abcdef0123456789abcdef"},
)
def release_hold(hold_id: str) -> tuple[str, int]:
    parse_query((), request.args)
    run(use_cases.release_hold, actor(), hold_id)
    return "", 204
