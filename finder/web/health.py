"""The health check a load balancer asks: is this instance up, and does it reach the database."""

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from finder.storage import db
from finder.web.access import PUBLIC, allow
from finder.web.limits import limiter

health = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@health.get("/healthz")
@allow(PUBLIC)
@limiter.exempt
def healthz() -> tuple[Response, int]:
    """200 when a trivial query answers, 503 when it does not; no audit event, no rate limit."""
    try:
        db.session().execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        # The error's text may hold the database's address; its kind is enough here.
        log.warning("health check: the database did not answer (%s)", type(error).__name__)
        return _answer({"status": "unavailable", "database": "unreachable"}, 503)
    return _answer({"status": "ok", "database": "ok"}, 200)


def _answer(body: dict[str, str], status: int) -> tuple[Response, int]:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status
