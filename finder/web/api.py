"""The JSON API under /api/v1: its blueprint, the table every area declares its operations in,
and the OpenAPI document listing them."""

from flask import Blueprint, Response, current_app, jsonify, request

from finder.web.access import PUBLIC
from finder.web.openapi import SCHEMAS, openapi_document
from finder.web.operations import OperationTable
from finder.web.params import parse_query

api = Blueprint("api", __name__, url_prefix="/api/v1")
operations = OperationTable(api, SCHEMAS)


@operations.get(
    "/openapi.json", summary="This document.", access=PUBLIC, responses={200: "OpenAPI"}
)
def openapi() -> Response:
    parse_query((), request.args)
    cookie = current_app.config["SESSION_COOKIE_NAME"]
    return jsonify(openapi_document(operations.operations, session_cookie=cookie))
