"""The bookings' API: book, list, view, cancel, move, record the outcome, send a message again,
and the calendar invite. Reads and changes are audited by the use cases, never the content."""

from dataclasses import replace
from email.utils import parseaddr

from flask import Response, current_app, jsonify, request
from flask_babel import get_locale

from finder.booking import use_cases
from finder.booking.api.answers import (
    BOOKING,
    DATES,
    actor,
    booking_answer,
    bookings_answer,
    center_of,
    path_id,
)
from finder.booking.bookings import check_idempotency_key, request_fingerprint
from finder.booking.invite import invite_content_type, invite_ics
from finder.booking.views import invite_for, reminder_json
from finder.domain.bookings import STATUSES, parse_booking_request
from finder.extensions import current_catalog
from finder.reminders.use_cases import resend_message
from finder.storage import db
from finder.storage.models import BookingRow
from finder.web import limits
from finder.web.access import PROVIDER, SIGNED_IN, STAFF
from finder.web.api import operations
from finder.web.auth import now
from finder.web.commands import run
from finder.web.openapi import SCHEMAS
from finder.web.operations import json_body
from finder.web.params import Param, parse_query

BOOKING_FILTERS = (*DATES, Param("status", choices=lambda: STATUSES))
CHANGE_REFUSALS = {
    200: "Booking",
    400: "Error",
    403: "Error",
    404: "Error",
    409: "Error",
    422: "Error",
}


@operations.post(
    "/bookings",
    summary="Book a free slot for a patient. Send Idempotency-Key to make retries safe.",
    access=PROVIDER,
    body="BookingRequest",
    responses={201: "Booking", 400: "Error", 409: "Error", 422: "Error"},
    rate_limit=limits.BOOKING,
)
def create_booking() -> tuple[Response, int]:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    key = check_idempotency_key(request.headers.get("Idempotency-Key"))
    catalog = current_catalog()
    hold_id = body.get("hold_id")
    fields = {name: value for name, value in body.items() if name != "hold_id"}
    booking_request = parse_booking_request(fields, today=now().date(), products=catalog.products)
    if not booking_request.language:  # the messages follow the caller's language
        booking_request = replace(booking_request, language=str(get_locale()))
    booked = run(
        use_cases.book_consultation,
        actor(),
        booking_request,
        centers=catalog.centers,
        products=catalog.products,
        idempotency_key=key,
        fingerprint=request_fingerprint(fields),
        hold_id=hold_id,
    )
    response = jsonify(booking_answer(booked.booking))
    if booked.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 201


@operations.get(
    "/bookings",
    summary="Bookings the caller may see: a provider's own, staff their centers', admin all.",
    access=SIGNED_IN,
    query=BOOKING_FILTERS,
    responses={200: "BookingList", 400: "Error", 422: "Error"},
)
def list_bookings() -> Response:
    values = parse_query(BOOKING_FILTERS, request.args)
    rows = run(
        use_cases.list_bookings,
        actor(),
        first=values["from"],
        last=values["to"],
        status=values["status"],
    )
    return jsonify({"bookings": bookings_answer(rows)})


@operations.get(
    "/bookings/{booking_id}",
    summary="One booking with its patient.",
    access=SIGNED_IN,
    responses={200: "Booking", 404: "Error"},
    path_examples=BOOKING,
)
def get_booking(booking_id: str) -> Response:
    parse_query((), request.args)
    booking = run(use_cases.view_booking, actor(), path_id(booking_id, "booking"))
    return jsonify(booking_answer(booking))


@operations.post(
    "/bookings/{booking_id}/cancel",
    summary="Cancel a consultation before it starts; the slot is freed.",
    access=SIGNED_IN,
    body="CancelRequest",
    responses=CHANGE_REFUSALS,
    path_examples=BOOKING,
)
def cancel_booking(booking_id: str) -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    number = path_id(booking_id, "booking")
    booking = run(use_cases.cancel_booking, actor(), number, reason=body.get("reason"))
    return jsonify(booking_answer(booking))


@operations.post(
    "/bookings/{booking_id}/reschedule",
    summary="Move a booking to another free slot of the same center; the old one is freed.",
    access=SIGNED_IN,
    body="RescheduleRequest",
    responses=CHANGE_REFUSALS,
    path_examples=BOOKING,
)
def reschedule_booking(booking_id: str) -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    booking = run(
        use_cases.reschedule_booking,
        actor(),
        path_id(booking_id, "booking"),
        slot_id=body["slot_id"],
        centers=current_catalog().centers,
    )
    return jsonify(booking_answer(booking))


@operations.post(
    "/bookings/{booking_id}/outcome",
    summary="Record a consultation as completed or no-show (the center's staff).",
    access=STAFF,
    body="OutcomeRequest",
    responses={200: "Booking", 400: "Error", 404: "Error", 409: "Error"},
    path_examples=BOOKING,
)
def booking_outcome(booking_id: str) -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    booking = run(
        use_cases.record_booking_outcome,
        actor(),
        path_id(booking_id, "booking"),
        outcome=body["status"],
    )
    return jsonify(booking_answer(booking))


@operations.post(
    "/bookings/{booking_id}/reminders/{reminder_id}/resend",
    summary="Send a sent or failed message again (the center's staff): a new pending message.",
    access=STAFF,
    responses={202: "Reminder", 404: "Error", 409: "Error"},
    path_examples={**BOOKING, "reminder_id": "1"},
)
def resend_reminder(booking_id: str, reminder_id: str) -> tuple[Response, int]:
    parse_query((), request.args)
    number = path_id(booking_id, "booking")
    message = path_id(reminder_id, "message for this booking")
    copy = run(resend_message, actor(), number, message)
    booking = db.session().get(BookingRow, number)
    assert booking is not None  # noqa: S101 - the message was just copied from it
    return jsonify(reminder_json(copy, center_of(booking.center_id))), 202


@operations.get(
    "/bookings/{booking_id}/ics",
    summary="The calendar invite (.ics) for the booking; no patient details in it.",
    access=SIGNED_IN,
    responses={200: None, 404: "Error"},
    path_examples=BOOKING,
)
def booking_ics(booking_id: str) -> Response:
    parse_query((), request.args)
    booking = run(use_cases.download_invite, actor(), path_id(booking_id, "booking"))
    return invite_response(booking)


def invite_response(booking: BookingRow) -> Response:
    """The booking's .ics as a download."""
    organizer = parseaddr(current_app.config["MAIL_FROM"])[1] or "no-reply@localhost"
    invite = invite_for(booking, center_of(booking.center_id), organizer=organizer, now=now())
    return Response(
        invite_ics(invite),
        content_type=invite_content_type(invite),
        headers={"Content-Disposition": f'attachment; filename="consultation-{booking.id}.ics"'},
    )
