"""The centers' calls of the JSON API: one center and the approved products."""

from flask import Response, jsonify, request

from finder.centers.schemas import CENTER_SCHEMAS
from finder.extensions import current_catalog
from finder.web.access import PUBLIC
from finder.web.api import operations
from finder.web.openapi import SCHEMAS
from finder.web.params import parse_query
from finder.web.shapes import center_json, product_json

SCHEMAS.update(CENTER_SCHEMAS)


@operations.get(
    "/centers/{center_id}",
    summary="One center.",
    access=PUBLIC,
    responses={200: "Center", 404: "Error"},
    path_examples={"center_id": "dana-farber-boston"},
)
def center(center_id: str) -> Response:
    parse_query((), request.args)
    return jsonify(center_json(current_catalog().centers.get(center_id)))


@operations.get(
    "/products",
    summary="The approved CAR T products.",
    access=PUBLIC,
    responses={200: "ProductList"},
)
def products() -> Response:
    parse_query((), request.args)
    return jsonify([product_json(product) for product in current_catalog().products.products])
