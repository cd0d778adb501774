"""Every error as JSON `{"error", "message", "fields"?, "candidates"?}`; never a trace to users."""

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from finder.domain.accounts import SignInLocked
from finder.domain.errors import DomainError, UnknownReference
from finder.geocoding import (
    AmbiguousPlace,
    GeocoderUnavailable,
    GeocodingError,
    InvalidQuery,
    PlaceNotFound,
)
from finder.storage import db
from finder.web.shapes import place_json

log = logging.getLogger(__name__)

STATUS_BY_CODE = {
    "forbidden": 403,  # a change the caller's role may not make
    "invalid_credentials": 401,
    "sign_in_locked": 429,
    "account_exists": 409,
    # Booking: a slot that filled up or was withdrawn, or a booking changed meanwhile, is a
    # conflict; a slot of the wrong center, an unknown slot or a reused key is unusable input.
    "slot_taken": 409,
    "slot_unavailable": 409,
    "booking_not_changeable": 409,
    "reminder_not_resendable": 409,  # still pending, cancelled, or the booking moved on
    "unknown_slot": 422,
    "not_offered": 422,
    "not_on_label": 422,  # a product whose label does not cover the indication or the age
    "slot_of_another_center": 422,
    "idempotency_key_reused": 422,
    "no_calendar": 404,
    "invalid_idempotency_key": 400,
    # Bodies the document accepts whose values still cannot be used (a birth date in the
    # future, overlapping hours): well-formed but unusable. Malformed bodies never get here.
    "invalid_booking": 422,
    "invalid_availability": 422,
    "invalid_closure": 422,
    # Referrals: a move the journey refuses, a bad date, note or plan, a home that cannot be a
    # place, or a center or product the request cannot use are unusable input; a change made
    # meanwhile, a second open referral of a patient or a closed referral are conflicts.
    "stage_not_allowed": 422,
    "invalid_stage_change": 422,
    "invalid_referral": 422,
    "invalid_plan": 422,
    "invalid_location": 422,
    "referral_changed": 409,
    "referral_exists": 409,
    "referral_closed": 409,
    # A center's profile: a value the document allows that the profile cannot take.
    "invalid_profile": 422,
    "change_not_revertible": 422,
}
MESSAGES = {429: "Too many requests. Wait a minute and try again."}


class BadRequest(Exception):
    """A malformed request: a parameter missing, of the wrong type, or not allowed."""

    def __init__(
        self, message: str, fields: dict[str, str] | None = None, *, status: int = 400
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.status = status  # 422 for a well-formed value that is unusable


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: dict[str, str] | None = None,
    candidates: list[dict[str, Any]] | None = None,
    suggestions: list[dict[str, Any]] | None = None,
) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    if candidates is not None:
        body["candidates"] = candidates
    if suggestions is not None:
        body["suggestions"] = suggestions
    return jsonify(body), status


def register(app: Flask) -> None:
    """Map each error family to its status code."""

    @app.errorhandler(BadRequest)
    def _bad_request(error: BadRequest) -> tuple[Response, int]:
        code = "bad_request" if error.status == 400 else "unusable_request"
        return error_response(error.status, code, error.message, fields=error.fields)

    @app.errorhandler(UnknownReference)
    def _unknown(error: UnknownReference) -> tuple[Response | str, int]:
        status = 400 if error.fields else 404
        if wants_html():  # a page naming an unknown center, booking or slot
            return error_page(
                status, "Not found" if status == 404 else "Bad request", error.message
            )
        if error.fields:
            return error_response(400, "bad_request", error.message, fields=error.fields)
        return error_response(404, "not_found", error.message)

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[Response, int]:
        status = STATUS_BY_CODE.get(error.code, 400 if error.fields else 422)
        response, status = error_response(status, error.code, error.message, fields=error.fields)
        if isinstance(error, SignInLocked):
            response.headers["Retry-After"] = str(int(error.retry_after.total_seconds()) + 1)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response, status

    @app.errorhandler(GeocodingError)
    def _geocoding(error: GeocodingError) -> tuple[Response, int]:
        if isinstance(error, InvalidQuery):
            # Text the document allows that still cannot be a place: unusable, not malformed.
            # The search carries it in `near`, the geocoder in `q`.
            field = "near" if "near" in request.args else "q"
            return error_response(422, "invalid_location", error.message, fields={field: "invalid"})
        if isinstance(error, AmbiguousPlace):
            candidates = [place_json(p) for p in error.candidates]
            return error_response(422, "ambiguous_location", error.message, candidates=candidates)
        if isinstance(error, PlaceNotFound):
            if error.reason == "outside_us":
                return error_response(422, "outside_us", error.message)
            # Places spelt like it ("Chicgo": Chicago, IL), closest first; [] when none is.
            suggestions = [place_json(p) for p in error.suggestions]
            return error_response(422, "location_not_found", error.message, suggestions=suggestions)
        if isinstance(error, GeocoderUnavailable):
            return error_response(503, "geocoder_unavailable", error.message)
        return error_response(422, "location_not_found", error.message)

    @app.errorhandler(HTTPException)
    def _http(
        error: HTTPException,
    ) -> tuple[Response, int] | tuple[str, int, list[tuple[str, str]]]:
        status = error.code or 500
        description = MESSAGES.get(status) or error.description or error.name
        # The exception's own headers, such as the Allow of a 405, minus its HTML content type.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if wants_html():
            page, status = error_page(status, error.name, description)
            return page, status, headers
        response, status = error_response(status, _slug(error.name), description)
        response.headers.extend(headers)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response, status

    @app.errorhandler(Exception)
    def _unexpected(
        error: Exception,
    ) -> tuple[Response | str, int] | tuple[str, int, dict[str, str]]:
        if db.is_busy(error):
            # SQLite's write lock stayed taken past the busy timeout: nothing was changed.
            log.warning("database busy on %s %s", request.method, request.path)
            message = "The service is busy. Nothing was changed; try again in a moment."
            busy = (
                error_page(503, "Busy", message)
                if wants_html()
                else error_response(503, "busy", message)
            )
            return busy[0], 503, {"Retry-After": "2"}
        # The path only: query strings may hold a patient's address.
        log.exception("unexpected error on %s %s", request.method, request.path)
        message = "Something went wrong on our side."
        if wants_html():
            return error_page(500, "Server error", message)
        return error_response(500, "internal_error", message)


def wants_html() -> bool:
    """Pages answer errors in HTML, the API and JSON clients in JSON."""
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best != "application/json"


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    page = render_template(
        "error.html",
        title=title,
        message=message,
    )
    return page, status


def _slug(name: str) -> str:
    return name.lower().replace(" ", "_").replace("'", "")
