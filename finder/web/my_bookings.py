"""A referring provider's bookings: the list, each booking with its calendar invite, and
cancelling or moving it. Another provider's booking is answered as no booking at all."""

from datetime import timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

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

from finder.booking import calendar
from finder.booking.bookings import cancel, find_booking, may_change, reschedule, visible_bookings
from finder.booking.invite import invite_content_type, invite_ics
from finder.booking.views import invite_for
from finder.domain.bookings import (
    BOOKED,
    CANCELLED,
    BookingNotChangeable,
    InvalidBooking,
    SlotOfAnotherCenter,
    check_reason,
)
from finder.domain.centers import Center
from finder.domain.errors import DomainError, UnknownReference
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import BookingRow, SlotRow
from finder.web.access import PROVIDER, allow
from finder.web.auth import now, record_event
from finder.web.booking_form import refusal_status, slot_refusal
from finder.web.booking_pages import center_or_404, signed_in_actor, slot_days
from finder.web.ids import MAX_ID, record_id
from finder.web.local_times import provider_zone, same_clock, time_text, zone_choices
from finder.web.reminder_pages import messages_of

bookings = Blueprint("bookings", __name__, url_prefix="/bookings")
RESCHEDULE_DAYS = 28
MAX_LISTED = 500
DETAIL = "pages.bookings.detail"


def _find(booking_id: int) -> BookingRow:
    """The caller's booking; any other is a 404, as if it did not exist."""
    if booking_id > MAX_ID:
        abort(404, description=gettext("No such booking."))
    try:
        return find_booking(db.session(), signed_in_actor(), booking_id)
    except UnknownReference:
        abort(404, description=gettext("No such booking."))


def _center_of(booking: BookingRow) -> Center:
    return center_or_404(booking.center_id)


def _audit(action: str, booking: BookingRow) -> None:
    record_event(action, target_type="booking", target_id=booking.id, center_id=booking.center_id)


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
    """The provider's own bookings: upcoming ones first, soonest first, then past ones."""
    actor = signed_in_actor()
    rows = db.session().scalars(
        visible_bookings(actor)
        .where(BookingRow.provider_id == actor.user_id)
        .order_by(SlotRow.start_at, BookingRow.id)
        .limit(MAX_LISTED)
    )
    moment = now()
    found = list(rows)
    upcoming = [b for b in found if b.slot.end_at > moment]
    past = [b for b in reversed(found) if b.slot.end_at <= moment]
    record_event("bookings_listed", target_type="booking")
    db.session().commit()
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
    )


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
    options = []
    if changeable:
        today = moment.astimezone(ZoneInfo(center.timezone)).date()
        free = calendar.free_slots(
            db.session(),
            center,
            first_day=today,
            last_day=today + timedelta(days=RESCHEDULE_DAYS),
            now=moment,
        )
        options = slot_days([s for s in free if s.id != booking.slot_id], center, zone)
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
        indication=catalog.products.indications.get(booking.indication, booking.indication),
        product=catalog.products.names.get(booking.product or "", booking.product),
        changeable=changeable,
        options=options,
        messages=messages_of(db.session(), booking, center),
        error=error,
    )
    return page, status


@bookings.get("/<int:booking_id>")
@allow(PROVIDER)
def detail(booking_id: int) -> tuple[str, int]:
    """One booking: the patient, the time in both zones, the invite, and the changes allowed."""
    found = _find(booking_id)
    _audit("booking_viewed", found)
    db.session().commit()
    return _booking_page(found)


@bookings.get("/<int:booking_id>/invite.ics")
@allow(PROVIDER)
def invite(booking_id: int) -> Response:
    """The calendar invite: the center and the time, never the patient."""
    found = _find(booking_id)
    _audit("booking_invite_downloaded", found)
    db.session().commit()
    organizer = parseaddr(current_app.config["MAIL_FROM"])[1] or "no-reply@localhost"
    made = invite_for(found, _center_of(found), organizer=organizer, now=now())
    return Response(
        invite_ics(made),
        content_type=invite_content_type(made),
        headers={"Content-Disposition": f"attachment; filename=consultation-{found.id}.ics"},
    )


@bookings.post("/<int:booking_id>/cancel")
@allow(PROVIDER)
def cancel_booking(booking_id: int) -> BaseResponse | tuple[str, int]:
    found = _find(booking_id)
    if not may_change(signed_in_actor(), found, to=CANCELLED):
        abort(403, description=gettext("You may not change this booking."))
    session = db.session()
    try:
        reason = check_reason(request.form.get("reason", ""))
        cancel(session, found, reason=reason, now=now())
    except DomainError as error:
        session.rollback()
        return _refused(booking_id, error)
    _audit("booking_cancelled", found)
    session.commit()
    flash(gettext("Consultation cancelled. The center's slot is free again."))
    return redirect(url_for(DETAIL, booking_id=found.id), code=303)


@bookings.post("/<int:booking_id>/reschedule")
@allow(PROVIDER)
def reschedule_booking(booking_id: int) -> BaseResponse | tuple[str, int]:
    found = _find(booking_id)
    if not may_change(signed_in_actor(), found, to=BOOKED):
        abort(403, description=gettext("You may not change this booking."))
    slot_id = record_id(request.form.get("slot_id"))
    if slot_id is None:
        return _booking_page(found, error=gettext("Choose a new time."), status=400)
    session = db.session()
    try:
        reschedule(session, found, slot_id=slot_id, now=now(), centers=current_catalog().centers)
    except DomainError as error:
        session.rollback()
        return _refused(booking_id, error)
    _audit("booking_rescheduled", found)
    session.commit()
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
