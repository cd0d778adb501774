"""The calendar and booking API: public free slots, the staff's hours, closures and blocks,
and the providers' bookings. Reads and changes of bookings are audited, never their content."""

from datetime import UTC, date, datetime, time, timedelta
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, jsonify, request

from finder.booking import calendar
from finder.booking.bookings import (
    book,
    cancel,
    check_idempotency_key,
    find_booking,
    may_change,
    record_outcome,
    request_fingerprint,
    reschedule,
    visible_bookings,
)
from finder.booking.calendar import Displaced, NoCalendar
from finder.booking.invite import invite_content_type, invite_ics
from finder.booking.schemas import BOOKING_SCHEMAS
from finder.booking.views import (
    booking_json,
    invite_for,
    local_iso,
    reminder_json,
    slot_json,
    staff_slot_json,
)
from finder.domain.accounts import Actor
from finder.domain.availability import availability_json, parse_availability, parse_closure
from finder.domain.bookings import CANCELLED, STATUSES, check_reason, parse_booking_request
from finder.domain.centers import Center
from finder.domain.errors import UnknownReference
from finder.extensions import current_catalog
from finder.reminders.outbox import reminders_of
from finder.reminders.resending import resend_message
from finder.storage import db
from finder.storage.models import BookingRow, ReminderRow, SlotRow, UserRow
from finder.web import limits
from finder.web.access import CENTER_STAFF, PROVIDER, PUBLIC, SIGNED_IN, STAFF
from finder.web.api import operations
from finder.web.auth import current_actor, now, record_event
from finder.web.errors import BadRequest
from finder.web.ids import record_id
from finder.web.openapi import SCHEMAS
from finder.web.operations import json_body
from finder.web.params import Param, parse_query

MAX_RANGE_DAYS = 92
CENTER = {"center_id": "dana-farber-boston"}
DATES = (
    Param("from", kind="date", description="First local date (default: today at the center)."),
    Param("to", kind="date", description=f"Last local date, at most {MAX_RANGE_DAYS} days on."),
)
BOOKING_FILTERS = (*DATES, Param("status", choices=lambda: STATUSES))

SCHEMAS.update(BOOKING_SCHEMAS)


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None  # noqa: S101 - the access rule guarantees it
    return actor


def _center(center_id: str) -> Center:
    return current_catalog().centers.get(center_id)


def _date_range(values: dict[str, Any], center: Center, default_days: int) -> tuple[date, date]:
    today = now().astimezone(ZoneInfo(center.timezone)).date()
    first = values["from"] or today
    last = values["to"] or first + timedelta(days=default_days)
    if last < first:
        raise BadRequest(
            "`to` must not be before `from`.", fields={"to": "before from"}, status=422
        )
    if (last - first).days > MAX_RANGE_DAYS:
        raise BadRequest(
            f"Ask for at most {MAX_RANGE_DAYS} days at a time.",
            fields={"to": "range too long"},
            status=422,
        )
    return first, last


def _record_id(raw: str, what: str) -> int:
    """A path's record id; anything that cannot be one is simply not found."""
    number = record_id(raw)
    if number is None:
        raise UnknownReference(f"No such {what}.")
    return number


def _booking_id(raw: str) -> int:
    return _record_id(raw, "booking")


def _displaced_json(found: list[Displaced], center: Center) -> list[dict[str, Any]]:
    return [
        {
            "booking_id": item.booking.id,
            "start": local_iso(item.booking.slot.start_at, center.timezone),
            "reason": item.reason,
            "detail": item.detail,
        }
        for item in found
    ]


def _booking_answer(
    booking: BookingRow, reminders: list[ReminderRow] | None = None
) -> dict[str, Any]:
    """The booking's JSON; a list passes each booking's messages, read for all in one query."""
    session = db.session()
    provider = session.get(UserRow, booking.provider_id)
    if reminders is None:
        reminders = reminders_of(session, [booking.id])[booking.id]
    return booking_json(booking, _center(booking.center_id), provider, reminders)


def _bookings_answer(rows: list[BookingRow]) -> list[dict[str, Any]]:
    messages = reminders_of(db.session(), [row.id for row in rows])
    return [_booking_answer(row, messages[row.id]) for row in rows]


# Public ---------------------------------------------------------------------------------------


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
    center = _center(center_id)
    first, last = _date_range(values, center, default_days=13)
    session = db.session()
    published = calendar.load_availability(session, center) is not None
    free = calendar.free_slots(session, center, first_day=first, last_day=last, now=now())
    return jsonify(
        {
            "center_id": center.id,
            "timezone": center.timezone,
            "published": published,
            "slots": [slot_json(slot, center) for slot in free],
        }
    )


# Staff: hours, closures, blocks, the center's bookings -----------------------------------------


def _stored_availability(center: Center) -> dict[str, Any]:
    session = db.session()
    availability = calendar.load_availability(session, center)
    if availability is None:
        raise NoCalendar()
    found = calendar.displaced(session, center, now=now())
    return {
        **availability_json(availability),
        "timezone": center.timezone,
        "displaced": _displaced_json(found, center),
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
    return jsonify(_stored_availability(_center(center_id)))


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
    center = _center(center_id)
    body = json_body(SCHEMAS)
    availability = parse_availability(body, timezone=center.timezone)
    session = db.session()
    actor = _actor()
    calendar.save_availability(session, center, availability, now=now(), by=actor.user_id)
    record_event(
        "calendar_hours_changed", target_type="center", target_id=center.id, center_id=center.id
    )
    session.commit()
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
    center = _center(center_id)
    today = now().astimezone(ZoneInfo(center.timezone)).date()
    rows = calendar.closures_of(db.session(), center.id, since=today)
    return jsonify({"closures": [_closure_json(row) for row in rows]})


def _closure_json(row: Any) -> dict[str, Any]:
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
    center = _center(center_id)
    closure = parse_closure(json_body(SCHEMAS))
    session = db.session()
    row, _ = calendar.add_closure(session, center, closure, now=now(), by=_actor().user_id)
    record_event("closure_added", target_type="closure", target_id=row.id, center_id=center.id)
    session.commit()
    found = [
        item for item in calendar.displaced(session, center, now=now()) if item.reason == "closed"
    ]
    return jsonify({**_closure_json(row), "displaced": _displaced_json(found, center)}), 201


@operations.delete(
    "/centers/{center_id}/closures/{closure_id}",
    summary="Remove a closure; its dates are offered again.",
    access=CENTER_STAFF,
    responses={204: None, 404: "Error"},
    path_examples={**CENTER, "closure_id": "1"},
)
def remove_closure(center_id: str, closure_id: str) -> tuple[str, int]:
    parse_query((), request.args)
    center = _center(center_id)
    session = db.session()
    calendar.remove_closure(session, center, _record_id(closure_id, "closure"), now=now())
    record_event(
        "closure_removed", target_type="closure", target_id=closure_id, center_id=center.id
    )
    session.commit()
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
    center = _center(center_id)
    slot_number = _record_id(slot_id, "slot at this center")
    body = json_body(SCHEMAS)
    reason = check_reason(body.get("reason"))
    session = db.session()
    slot = calendar.set_blocked(
        session, center.id, slot_number, blocked=body["blocked"], reason=reason
    )
    record_event(
        "slot_blocked" if body["blocked"] else "slot_unblocked",
        target_type="slot",
        target_id=slot.id,
        center_id=center.id,
    )
    session.commit()
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
    center = _center(center_id)
    first, last = _date_range(values, center, default_days=13)
    start, end = calendar.local_day_bounds(first, last, center.timezone)
    session = db.session()
    rows = calendar.bookings_between(session, center.id, start, end)
    if values["status"]:
        rows = [row for row in rows if row.status == values["status"]]
    record_event("bookings_listed", target_type="center", target_id=center.id, center_id=center.id)
    session.commit()
    return jsonify(
        {
            "center_id": center.id,
            "timezone": center.timezone,
            "bookings": _bookings_answer(rows),
        }
    )


# Bookings ---------------------------------------------------------------------------------------


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
    moment = now()
    booking_request = parse_booking_request(body, today=moment.date(), products=catalog.products)
    session = db.session()
    booked = book(
        session,
        booking_request,
        provider_id=_actor().user_id,
        centers=catalog.centers,
        products=catalog.products,
        now=moment,
        idempotency_key=key,
        fingerprint=request_fingerprint(body),
    )
    booking = booked.booking
    if not booked.replayed:
        _audit("booking_created", booking)
    session.commit()
    response = jsonify(_booking_answer(booking))
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
    query = visible_bookings(_actor()).order_by(SlotRow.start_at, BookingRow.id).limit(1000)
    if values["from"] is not None:
        query = query.where(SlotRow.start_at >= _utc_midnight(values["from"]))
    if values["to"] is not None:
        query = query.where(SlotRow.start_at < _utc_midnight(values["to"] + timedelta(days=1)))
    if values["status"]:
        query = query.where(BookingRow.status == values["status"])
    session = db.session()
    rows = list(session.scalars(query))
    record_event("bookings_listed", target_type="booking")
    session.commit()
    return jsonify({"bookings": _bookings_answer(rows)})


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


BOOKING = {"booking_id": "1"}


def _audit(action: str, booking: BookingRow) -> None:
    """Record a read or change of this booking: who and what, never the patient."""
    record_event(action, target_type="booking", target_id=booking.id, center_id=booking.center_id)


def _changed(action: str, booking: BookingRow) -> Response:
    """Audit a change, commit it with the audit event, and answer the booking as it is now."""
    _audit(action, booking)
    db.session().commit()
    return jsonify(_booking_answer(booking))


def _visible(booking_id: str, action: str) -> BookingRow:
    """The caller's booking, its reading audited; another tenant's is 404."""
    booking = find_booking(db.session(), _actor(), _booking_id(booking_id))
    _audit(action, booking)
    return booking


@operations.get(
    "/bookings/{booking_id}",
    summary="One booking with its patient.",
    access=SIGNED_IN,
    responses={200: "Booking", 404: "Error"},
    path_examples=BOOKING,
)
def get_booking(booking_id: str) -> Response:
    parse_query((), request.args)
    booking = _visible(booking_id, "booking_viewed")
    db.session().commit()
    return jsonify(_booking_answer(booking))


def _changeable(booking_id: str, to: str) -> BookingRow:
    booking = find_booking(db.session(), _actor(), _booking_id(booking_id))
    if not may_change(_actor(), booking, to=to):
        abort(403, description="Your role may not make this change.")
    return booking


@operations.post(
    "/bookings/{booking_id}/cancel",
    summary="Cancel a consultation before it starts; the slot is freed.",
    access=SIGNED_IN,
    body="CancelRequest",
    responses={
        200: "Booking",
        400: "Error",
        403: "Error",
        404: "Error",
        409: "Error",
        422: "Error",
    },
    path_examples=BOOKING,
)
def cancel_booking(booking_id: str) -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    booking = _changeable(booking_id, CANCELLED)
    reason = check_reason(body.get("reason"))
    cancel(db.session(), booking, reason=reason, now=now())
    return _changed("booking_cancelled", booking)


@operations.post(
    "/bookings/{booking_id}/reschedule",
    summary="Move a booking to another free slot of the same center; the old one is freed.",
    access=SIGNED_IN,
    body="RescheduleRequest",
    responses={
        200: "Booking",
        400: "Error",
        403: "Error",
        404: "Error",
        409: "Error",
        422: "Error",
    },
    path_examples=BOOKING,
)
def reschedule_booking(booking_id: str) -> Response:
    parse_query((), request.args)
    body = json_body(SCHEMAS)
    booking = _changeable(booking_id, "booked")
    centers = current_catalog().centers
    reschedule(db.session(), booking, slot_id=body["slot_id"], now=now(), centers=centers)
    return _changed("booking_rescheduled", booking)


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
    booking = _changeable(booking_id, body["status"])
    record_outcome(db.session(), booking, outcome=body["status"], now=now())
    return _changed("booking_outcome", booking)


@operations.post(
    "/bookings/{booking_id}/reminders/{reminder_id}/resend",
    summary="Send a sent or failed message again (the center's staff): a new pending message.",
    access=STAFF,
    responses={202: "Reminder", 404: "Error", 409: "Error"},
    path_examples={**BOOKING, "reminder_id": "1"},
)
def resend_reminder(booking_id: str, reminder_id: str) -> tuple[Response, int]:
    parse_query((), request.args)
    session = db.session()
    booking = find_booking(session, _actor(), _booking_id(booking_id))
    number = _record_id(reminder_id, "message for this booking")
    copy = resend_message(session, booking, number, now=now())
    _audit("reminder_resent", booking)
    session.commit()
    return jsonify(reminder_json(copy, _center(booking.center_id))), 202


@operations.get(
    "/bookings/{booking_id}/ics",
    summary="The calendar invite (.ics) for the booking; no patient details in it.",
    access=SIGNED_IN,
    responses={200: None, 404: "Error"},
    path_examples=BOOKING,
)
def booking_ics(booking_id: str) -> Response:
    parse_query((), request.args)
    booking = _visible(booking_id, "booking_invite_downloaded")
    db.session().commit()
    return invite_response(booking)


def invite_response(booking: BookingRow) -> Response:
    """The booking's .ics as a download."""
    organizer = parseaddr(current_app.config["MAIL_FROM"])[1] or "no-reply@localhost"
    invite = invite_for(booking, _center(booking.center_id), organizer=organizer, now=now())
    return Response(
        invite_ics(invite),
        content_type=invite_content_type(invite),
        headers={"Content-Disposition": f'attachment; filename="consultation-{booking.id}.ics"'},
    )
