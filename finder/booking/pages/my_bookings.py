"""A referring provider's bookings: the list, each booking with its calendar invite, and
cancelling or moving it. Another provider's booking is answered as no booking at all."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from email.utils import parseaddr
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response as BaseResponse

from finder.booking.bookings import ChangeNotAllowed, find_booking, may_change
from finder.booking.forms import refusal_status, slot_refusal
from finder.booking.invite import invite_content_type, invite_ics
from finder.booking.pages.move_grid import asked_week, move_grid
from finder.booking.use_cases import cancel_booking as cancel_booking_
from finder.booking.use_cases import (
    download_invite,
    list_bookings,
    view_booking,
)
from finder.booking.use_cases import reschedule_booking as reschedule_booking_
from finder.booking.views import invite_for
from finder.domain.bookings import (
    BOOKED,
    CANCELLED,
    BookingNotChangeable,
    InvalidBooking,
    SlotOfAnotherCenter,
)
from finder.domain.centers import Center
from finder.domain.errors import DomainError, UnknownReference
from finder.extensions import current_catalog
from finder.reminders.pages import messages_of
from finder.storage import db
from finder.storage.models import BookingRow, UserRow
from finder.web.access import PROVIDER, allow, center_or_404, signed_in_actor
from finder.web.auth import now
from finder.web.commands import run
from finder.web.ids import record_id
from finder.web.local_times import provider_zone, same_clock, time_text, zone_choices

bookings = Blueprint("bookings", __name__, url_prefix="/bookings")
MAX_LISTED = 500
DETAIL = "pages.bookings.detail"
T = TypeVar("T")


def _found(command: Callable[..., T], booking_id: int, **given: Any) -> T:
    """Run a use case on the caller's booking; any other booking is a 404, as if it did not
    exist, and a change their role may not make is a 403."""
    try:
        return run(command, signed_in_actor(), booking_id, **given)
    except UnknownReference:
        abort(404, description=gettext("No such booking."))
    except ChangeNotAllowed:
        abort(403, description=gettext("You may not change this booking."))


def _find(booking_id: int) -> BookingRow:
    """The caller's booking as it is now, for showing it again (a read, not audited)."""
    try:
        return find_booking(db.session(), signed_in_actor(), booking_id)
    except UnknownReference:
        abort(404, description=gettext("No such booking."))


def _center_of(booking: BookingRow) -> Center:
    return center_or_404(booking.center_id)


def status_names() -> dict[str, str]:
    return {
        "booked": gettext("Booked"),
        "cancelled": gettext("Cancelled"),
        "completed": gettext("Completed"),
        "no_show": gettext("No-show"),
    }


@bookings.get("")
@allow(PROVIDER)
def index() -> str:
    """The provider's own bookings: upcoming ones first, soonest first (those needing a new
    time marked), then past and cancelled ones, latest first."""
    found = run(list_bookings, signed_in_actor(), own=True, limit=MAX_LISTED)
    moment = now()
    upcoming = [b for b in found if b.slot.end_at > moment and b.status == BOOKED]
    past = [b for b in reversed(found) if b.slot.end_at <= moment or b.status != BOOKED]
    centers = {c: center for c in {b.center_id for b in found} if (center := _listed(c))}
    return render_template(
        "booking/list.html",
        upcoming=upcoming,
        past=past,
        centers=centers,
        zone=provider_zone(None),
        time_text=time_text,
        same_clock=same_clock,
        statuses=status_names(),
        needs_new_time=lambda booking: needs_new_time(booking, moment),
    )


def needs_new_time(booking: BookingRow, moment: datetime) -> bool:
    """A live future booking whose slot the center no longer offers (hours removed, a closure,
    a block): the center is to move it, or the provider may pick a new time."""
    slot = booking.slot
    return booking.status == BOOKED and slot.start_at > moment and (slot.retired or slot.blocked)


def _provider_email(booking: BookingRow) -> str:
    provider = db.session().get(UserRow, booking.provider_id)
    return provider.email if provider is not None else ""


def _listed(center_id: str) -> Center | None:
    """The center if it is still listed; a booking outlives its center's listing."""
    try:
        return current_catalog().centers.get(center_id)
    except UnknownReference:
        return None


def _booking_page(
    booking: BookingRow, *, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    center = _center_of(booking)
    moment = now()
    zone = provider_zone(center.timezone)
    changeable = (
        booking.status == BOOKED
        and booking.slot.start_at > moment
        and may_change(signed_in_actor(), booking, to=CANCELLED)
    )
    grid = None
    if changeable:
        week = asked_week(request.values.get("week"))
        grid = move_grid(db.session(), center, booking, week=week, now=moment, zone=zone)
    start = booking.slot.start_at
    catalog = current_catalog()
    page = render_template(
        "booking/booking.html",
        booking=booking,
        center=center,
        center_time=time_text(start, center.timezone),
        provider_time=None
        if same_clock(start, center.timezone, zone)
        else time_text(start, zone or center.timezone),
        zone=zone,
        zones=zone_choices(center.timezone, zone or center.timezone),
        status_name=status_names()[booking.status],
        needs_new_time=needs_new_time(booking, moment),
        indication=catalog.products.indications.get(booking.indication, booking.indication),
        product=catalog.products.names.get(booking.product or "", booking.product),
        changeable=changeable,
        grid=grid,
        week_link=lambda monday: url_for(
            DETAIL, booking_id=booking.id, week=monday.isoformat(), _anchor="move-heading"
        ),
        messages=messages_of(db.session(), booking, center),
        error=error,
    )
    return page, status


@bookings.get("/<int:booking_id>")
@allow(PROVIDER)
def detail(booking_id: int) -> tuple[str, int]:
    """One booking: the patient, the time in both zones, the invite, and the changes allowed."""
    return _booking_page(_found(view_booking, booking_id))


@bookings.get("/<int:booking_id>/invite.ics")
@allow(PROVIDER)
def invite(booking_id: int) -> Response:
    """The calendar invite: the center and the time, never the patient."""
    found = _found(download_invite, booking_id)
    organizer = parseaddr(current_app.config["MAIL_FROM"])[1] or "no-reply@localhost"
    made = replace(
        invite_for(found, _center_of(found), organizer=organizer, now=now()),
        published=True,
        attendee=_provider_email(found),
    )
    return Response(
        invite_ics(made),
        content_type=invite_content_type(made),
        headers={"Content-Disposition": f"attachment; filename=consultation-{found.id}.ics"},
    )


@bookings.post("/<int:booking_id>/cancel")
@allow(PROVIDER)
def cancel_booking(booking_id: int) -> BaseResponse | tuple[str, int]:
    try:
        found = _found(cancel_booking_, booking_id, reason=request.form.get("reason", ""))
    except DomainError as error:
        return _refused(booking_id, error)
    flash(gettext("Consultation cancelled. The center's slot is free again."))
    return redirect(url_for(DETAIL, booking_id=found.id), code=303)


@bookings.post("/<int:booking_id>/reschedule")
@allow(PROVIDER)
def reschedule_booking(booking_id: int) -> BaseResponse | tuple[str, int]:
    slot_id = record_id(request.form.get("slot_id"))
    if slot_id is None:
        found = _find(booking_id)
        if not may_change(signed_in_actor(), found, to=BOOKED):
            abort(403, description=gettext("You may not change this booking."))
        return _booking_page(found, error=gettext("Choose a new time."), status=400)
    try:
        found = _found(
            reschedule_booking_, booking_id, slot_id=slot_id, centers=current_catalog().centers
        )
    except DomainError as error:
        return _refused(booking_id, error)
    flash(gettext("Consultation moved. Download the updated calendar invite below."))
    return redirect(url_for(DETAIL, booking_id=found.id), code=303)


def _refused(booking_id: int, error: DomainError) -> tuple[str, int]:
    """The booking page again, saying why the change was not made."""
    status = refusal_status(error)
    if isinstance(error, InvalidBooking):
        message = gettext("The reason can be one line of at most 200 characters.")
    elif isinstance(error, BookingNotChangeable):
        message = gettext("This booking can no longer be changed. Its current state is shown.")
    elif isinstance(error, SlotOfAnotherCenter):
        message = gettext("That slot belongs to another center.")
    else:
        message = slot_refusal(error)
    return _booking_page(_find(booking_id), error=message, status=status)
