"""The centers' calls of the JSON API: one center, its profile and history, the products."""

from typing import Any

from flask import Response, jsonify, request

from finder.centers import use_cases
from finder.centers.schemas import CENTER_SCHEMAS
from finder.domain.errors import UnknownReference
from finder.extensions import current_catalog
from finder.storage.models import CenterChangeRow
from finder.web.access import ADMIN, CENTER_STAFF, PUBLIC, signed_in_actor
from finder.web.api import operations
from finder.web.commands import run
from finder.web.ids import record_id
from finder.web.openapi import SCHEMAS
from finder.web.operations import json_body
from finder.web.params import parse_query
from finder.web.shapes import center_json, product_json

SCHEMAS.update(CENTER_SCHEMAS)
CENTER = {"center_id": "dana-farber-boston"}


@operations.get(
    "/centers/{center_id}",
    summary="One center, with each product's claim and its referral intake.",
    access=PUBLIC,
    responses={200: "Center", 404: "Error"},
    path_examples=CENTER,
)
def center(center_id: str) -> Response:
    parse_query((), request.args)
    return jsonify(center_json(current_catalog().centers.get(center_id)))


@operations.route(
    "patch",
    "/centers/{center_id}",
    summary="Change the center's public profile (its staff, admins); in effect at once.",
    access=CENTER_STAFF,
    body="CenterProfile",
    responses={200: "Center", 400: "Error", 404: "Error", 422: "Error"},
    path_examples=CENTER,
)
def change_profile(center_id: str) -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    products = current_catalog().products
    changed = run(use_cases.change_profile, signed_in_actor(), center_id, body, products)
    return jsonify(center_json(changed))


@operations.get(
    "/centers/{center_id}/changes",
    summary="The history of the center's profile, newest first (its staff, admins).",
    access=CENTER_STAFF,
    responses={200: "CenterChanges", 404: "Error"},
    path_examples=CENTER,
)
def changes(center_id: str) -> Response:
    parse_query((), request.args)
    rows = run(use_cases.profile_changes, signed_in_actor(), center_id)
    return jsonify({"center_id": center_id, "changes": [change_json(row) for row in rows]})


@operations.post(
    "/centers/{center_id}/changes/{change_id}/revert",
    summary="Put a field back as it was before a change (admins); recorded as a change.",
    access=ADMIN,
    responses={200: "Center", 404: "Error", 422: "Error"},
    path_examples={**CENTER, "change_id": "1"},
)
def revert(center_id: str, change_id: str) -> Response:
    parse_query((), request.args)
    number = record_id(change_id)
    if number is None:
        raise UnknownReference("No such change.")
    reverted = run(use_cases.revert_change, signed_in_actor(), center_id, number)
    return jsonify(center_json(reverted))


@operations.get(
    "/products",
    summary="The approved CAR T products.",
    access=PUBLIC,
    responses={200: "ProductList"},
)
def products() -> Response:
    parse_query((), request.args)
    return jsonify([product_json(product) for product in current_catalog().products.products])


def change_json(row: CenterChangeRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "by": row.actor_email,
        "field": row.field,
        "before": row.before,
        "after": row.after,
        "revert_of": row.revert_of,
        "reverted_by": row.reverted_by,
    }
