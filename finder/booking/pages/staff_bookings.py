"""A booking as the center's staff see it: the patient, the messages, and cancelling, moving
or recording the consultation, each through its one use case."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from finder.booking import use_cases
from finder.booking.bookings import (
    ChangeNotAllowed,
    find_booking,
    may_change,
)
from finder.booking.pages.move_grid import asked_week, move_grid
from finder.booking.pages.staff import (
    WHOLE,
    clock_of,
    monday_of,
    problem_words,
    render,
    staff,
    staff_actor,
    staff_center,
    status_words,
)
from finder.domain.bookings import (
    BOOKED,
    CANCELLED,
    COMPLETED,
    BookingNotChangeable,
    check_change,
)
from finder.domain.centers import Center
from finder.domain.errors import DomainError, UnknownReference
from finder.extensions import current_catalog
from finder.reminders.pages import messages_of
from finder.storage import db
from finder.storage.models import BookingRow, UserRow
from finder.web.access import CENTER_STAFF, allow
from finder.web.auth import current_actor, now
from finder.web.commands import run
from finder.web.errors import STATUS_BY_CODE


def _booking_of(center_id: str, booking_id: int) -> BookingRow:
    """The booking as it is now, to show it again after a refusal (a read, not audited)."""
    try:
        booking = find_booking(db.session(), staff_actor(), booking_id)
    except UnknownReference:
        booking = None
    if booking is None or booking.center_id != center_id:
        abort(404, description=gettext("No such booking at this center."))
    return booking


def _allows(booking: BookingRow, to: str, at: datetime) -> bool:
    """Whether the booking rules and the caller's rights allow this change now."""
    actor = current_actor()
    if actor is None or not may_change(actor, booking, to=to):
        return False
    try:
        check_change(booking.status, started=booking.slot.start_at <= at, to=to)
    except BookingNotChangeable:
        return False
    return True


def _booking_page(
    center: Center,
    booking: BookingRow,
    *,
    error: str | None = None,
    status: int = 200,
    values: Mapping[str, str] | None = None,
) -> tuple[str, int]:
    at = now()
    catalog = current_catalog()
    product = None
    if booking.product:
        try:
            product = catalog.products.get(booking.product).name
        except UnknownReference:
            product = booking.product
    return render(
        "staff/booking.html",
        center,
        status,
        booking=booking,
        monday=monday_of(clock_of(center).local_day(booking.slot.start_at)),
        provider=db.session().get(UserRow, booking.provider_id),
        messages=messages_of(db.session(), booking, center),
        product=product,
        indication=catalog.products.indications.get(booking.indication, ""),
        may_cancel=_allows(booking, CANCELLED, at),
        may_record=_allows(booking, COMPLETED, at),
        may_move=_allows(booking, BOOKED, at),
        grid=move_grid(
            db.session(), center, booking, week=asked_week(request.values.get("week")), now=at
        )
        if _allows(booking, BOOKED, at)
        else None,
        week_link=lambda monday: url_for(
            "staff.booking",
            center_id=center.id,
            booking_id=booking.id,
            week=monday.isoformat(),
            _anchor="move-heading",
        ),
        error=error,
        values=values or {},
    )


@staff.get("/centers/<center_id>/bookings/<int:booking_id>")
@allow(CENTER_STAFF)
def booking(center_id: str, booking_id: int) -> tuple[str, int]:
    """A booking with its patient, for staff to cancel, move, or record as completed."""
    found = staff_center(center_id)
    try:
        row = run(use_cases.view_booking, staff_actor(), booking_id, center_id=center_id)
    except UnknownReference:
        abort(404, description=gettext("No such booking at this center."))
    return _booking_page(found, row)


def _change(
    center_id: str,
    booking_id: int,
    command: Callable[..., BookingRow],
    done: Callable[[BookingRow], str],
    **given: Any,
) -> Response | tuple[str, int]:
    """Run one change; a refusal changes nothing (its use case audits it) and re-renders the
    page saying why."""
    found = staff_center(center_id)
    try:
        row = run(command, staff_actor(), booking_id, center_id=center_id, **given)
    except UnknownReference:
        abort(404, description=gettext("No such booking at this center."))
    except ChangeNotAllowed:
        abort(403, description=gettext("Your role may not do this."))
    except DomainError as error:
        status = STATUS_BY_CODE.get(error.code, 422)
        return _booking_page(
            found,
            _booking_of(center_id, booking_id),
            error=refusal_words(error),
            status=status,
            values=request.form,
        )
    flash(done(row))
    return redirect(url_for("staff.booking", center_id=center_id, booking_id=booking_id), 303)


def refusal_words(error: DomainError) -> str:
    """The page's words for a refused booking change; the rules themselves live in the domain."""
    fixed = {
        "slot_taken": gettext("This slot is no longer free. Pick another one."),
        "slot_unavailable": gettext("The center no longer offers this slot. Pick another one."),
        "unknown_slot": gettext("Choose one of the free slots listed."),
        "slot_of_another_center": gettext(
            "A booking can only move to another slot of the same center."
        ),
    }
    if error.code in fixed:
        return fixed[error.code]
    if "reason" in error.fields:
        return problem_words("reason", error.fields["reason"])
    if "status" in error.fields:
        return gettext("Choose completed or no-show.")
    return error.message


@staff.post("/centers/<center_id>/bookings/<int:booking_id>/cancel")
@allow(CENTER_STAFF)
def cancel_booking(center_id: str, booking_id: int) -> Response | tuple[str, int]:
    def done(row: BookingRow) -> str:
        return gettext("The consultation is cancelled.")

    reason = request.form.get("reason")
    return _change(center_id, booking_id, use_cases.cancel_booking, done, reason=reason)


@staff.post("/centers/<center_id>/bookings/<int:booking_id>/outcome")
@allow(CENTER_STAFF)
def record_booking_outcome(center_id: str, booking_id: int) -> Response | tuple[str, int]:
    outcome = request.form.get("status", "")

    def done(row: BookingRow) -> str:
        return gettext("Recorded: %(status)s.", status=status_words()[outcome])

    return _change(center_id, booking_id, use_cases.record_booking_outcome, done, outcome=outcome)


@staff.post("/centers/<center_id>/bookings/<int:booking_id>/reschedule")
@allow(CENTER_STAFF)
def reschedule_booking(center_id: str, booking_id: int) -> Response | tuple[str, int]:
    chosen = request.form.get("slot_id", "")
    centers = current_catalog().centers

    def done(row: BookingRow) -> str:
        when = clock_of(centers.get(row.center_id)).when(row.slot.start_at)
        return gettext("Moved to %(when)s.", when=when)

    slot_id = int(chosen) if WHOLE.fullmatch(chosen) else None
    return _change(
        center_id,
        booking_id,
        use_cases.reschedule_booking,
        done,
        slot_id=slot_id,
        centers=centers,
    )
