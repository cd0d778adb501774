"""Booking a consultation, for referring providers: a week of a center's free slots, and the
patient form beside them. Works without JavaScript; nothing about the patient is logged."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser_session
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response

from finder.booking import calendar
from finder.booking.bookings import check_idempotency_key, request_fingerprint
from finder.booking.forms import (
    booking_data,
    entered,
    field_messages,
    new_idempotency_key,
    patient_zone_choices,
    refusal_status,
    slot_refusal,
)
from finder.booking.pages.patient_checks import referral_patient, same_day_bookings
from finder.booking.use_cases import book_consultation, hold_slot
from finder.domain.bookings import (
    IdempotencyKeyReused,
    InvalidBooking,
    ProductNotOffered,
    SlotOfAnotherCenter,
    parse_booking_request,
)
from finder.domain.centers import Center
from finder.domain.errors import DomainError
from finder.domain.products import NotOnLabel
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import BookingRow, HoldRow, SlotRow
from finder.web import limits
from finder.web.access import PROVIDER, allow, center_or_404, signed_in_actor
from finder.web.auth import now
from finder.web.commands import run, unit_of_work
from finder.web.ids import record_id
from finder.web.limits import limiter
from finder.web.local_times import (
    SESSION_KEY,
    abbreviation,
    clock_text,
    day_text,
    offset_text,
    provider_zone,
    same_clock,
    time_text,
    valid_zone,
    zone_choices,
)

booking = Blueprint("booking", __name__)
CONFIRMED = "pages.bookings.detail"
LAST_WEEK = timedelta(weeks=53)  # no horizon is longer than a year


@dataclass(frozen=True)
class SlotChoice:
    """A free slot as the form offers it: the center's clock, and the provider's if it differs."""

    id: int
    center_clock: str
    provider_clock: str | None


@dataclass(frozen=True)
class DayChoices:
    label: str
    slots: list[SlotChoice]


def slot_days(slots: Sequence[SlotRow], center: Center, zone: str | None) -> list[DayChoices]:
    """The slots grouped by the center's local date, each in both clocks."""
    days: dict[str, list[SlotChoice]] = {}
    for slot in slots:
        start = slot.start_at
        theirs = None if same_clock(start, center.timezone, zone) else clock_text(start, zone or "")
        days.setdefault(day_text(start, center.timezone), []).append(
            SlotChoice(slot.id, clock_text(start, center.timezone), theirs)
        )
    return [DayChoices(label, choices) for label, choices in days.items()]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _asked_week(text: str | None, this_week: date) -> date:
    """The Monday of the week asked for, from the current week to a year ahead."""
    if not text:
        return this_week
    try:
        asked = date.fromisoformat(text)
    except ValueError:
        abort(400, description=gettext("Weeks are written YYYY-MM-DD."))
    return min(max(_monday(asked), this_week), this_week + LAST_WEEK)


def _book_page(
    center: Center,
    monday: date,
    *,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    message: str | None = None,
    status: int = 200,
    held_until: str | None = None,
    held: SlotRow | None = None,
    same_day: Sequence[str] = (),
) -> tuple[str, int]:
    session = db.session()
    moment = now()
    zone = provider_zone(center.timezone)
    availability = calendar.load_availability(session, center)
    this_week = _monday(moment.astimezone(ZoneInfo(center.timezone)).date())
    slots: list[SlotRow] = []
    last_day = this_week
    if availability is not None:
        slots = calendar.free_slots(
            session, center, first_day=monday, last_day=monday + timedelta(days=6), now=moment
        )
        if held is not None and held.id not in {slot.id for slot in slots}:
            slots = sorted([*slots, held], key=lambda slot: slot.start_at)  # full: held by them
        last_day = moment.astimezone(ZoneInfo(center.timezone)).date() + timedelta(
            days=availability.horizon_days
        )
    catalog = current_catalog()
    page = render_template(
        "booking/book.html",
        center=center,
        published=availability is not None,
        days=slot_days(slots, center, zone),
        week=monday,
        week_label=day_text(_noon(monday, center), center.timezone),
        previous_week=monday - timedelta(days=7) if monday > this_week else None,
        next_week=monday + timedelta(days=7) if monday + timedelta(days=7) <= last_day else None,
        zone=zone,
        zones=zone_choices(center.timezone, zone or center.timezone),
        patient_zones=patient_zone_choices(),
        center_zone=abbreviation(moment, center.timezone),
        center_offset=offset_text(moment, center.timezone),
        indications=[
            (code, catalog.products.indications[code])
            for code in (center.indications or tuple(catalog.products.indications))
            if code in catalog.products.indications
        ],
        products=[p for p in catalog.products.products if p.id in center.products],
        values=values,
        errors=errors,
        message=message,
        held_until=held_until,
        idempotency_key=new_idempotency_key(),
        today=moment.astimezone(ZoneInfo(zone or center.timezone)).date(),
        same_day=same_day,
    )
    return page, status


def _noon(day: date, center: Center) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(center.timezone))


@booking.get("/book/<center_id>")
@allow(PROVIDER)
def book_form(center_id: str) -> tuple[str, int]:
    """The center's free slots of one week, and the patient form. Opened for one slot (a
    published slot's deep link, `?slot=`), it holds a place of that slot for the provider."""
    center = center_or_404(center_id)
    this_week = _monday(now().astimezone(ZoneInfo(center.timezone)).date())
    week = _asked_week(request.args.get("week"), this_week)
    values = referral_patient(
        db.session(), request.args.get("referral"), actor=signed_in_actor(), center_id=center.id
    )
    if "slot" not in request.args:
        return _book_page(center, week, values=values, errors={})
    slot_id = record_id(request.args.get("slot"))
    slot = db.session().get(SlotRow, slot_id) if slot_id is not None else None
    if slot is None or slot.center_id != center.id:
        message = gettext("This time is no longer offered. Pick one of the times below.")
        return _book_page(center, week, values=values, errors={}, message=message, status=404)
    week = max(_monday(slot.start_at.astimezone(ZoneInfo(center.timezone)).date()), this_week)
    try:
        hold = _hold(slot.id)
    except DomainError as error:
        message = slot_refusal(error)
        return _book_page(center, week, values=values, errors={}, message=message, status=409)
    values = {**values, "slot_id": str(slot.id)}
    until = clock_text(hold.expires_at, center.timezone)
    return _book_page(center, week, values=values, errors={}, held_until=until, held=slot)


def _hold(slot_id: int) -> HoldRow:
    """Hold the slot in a short transaction of its own: opening a page is a read request."""
    with db.bookkeeping() as session:
        return hold_slot(
            unit_of_work(session),
            signed_in_actor(),
            slot_id,
            centers=current_catalog().centers,
            seconds=current_app.config["HOLD_SECONDS"],
        )


@booking.post("/book/<center_id>")
@allow(PROVIDER)
@limiter.limit(limits.BOOKING)
def book_slot(center_id: str) -> Response | tuple[str, int]:
    """Book the chosen slot for the patient; a resubmitted form books nothing twice."""
    center = center_or_404(center_id)
    moment = now()
    this_week = _monday(moment.astimezone(ZoneInfo(center.timezone)).date())
    week = _asked_week(request.form.get("go_week") or request.form.get("week"), this_week)
    values = entered(request.form)
    zone_chosen = valid_zone(request.form.get("tz"))
    if zone_chosen is not None:  # the zone list sits in the form: remembered as `?tz=` is
        browser_session[SESSION_KEY] = zone_chosen
    if "show_times" in request.form or "go_week" in request.form:  # the form again, as typed
        return _book_page(center, week, values=values, errors={})
    try:
        key = check_idempotency_key(request.form.get("idempotency_key") or None)
    except InvalidBooking:
        message = gettext("This form has expired. Check the details and book again.")
        return _book_page(center, week, values=values, errors={}, message=message, status=400)
    # The zone the provider chose on the page ("" until they choose: the center's).
    data = {**booking_data(values), "provider_timezone": provider_zone(None) or ""}
    catalog = current_catalog()
    zone = provider_zone(center.timezone) or center.timezone
    try:
        wanted = parse_booking_request(
            data, today=moment.astimezone(ZoneInfo(zone)).date(), products=catalog.products
        )
        wanted = replace(wanted, language=str(get_locale()))  # its messages in the page's
        slot = db.session().get(SlotRow, wanted.slot_id)
        if slot is not None and slot.center_id == center.id:
            local_day = slot.start_at.astimezone(ZoneInfo(center.timezone)).date()
            week = max(_monday(local_day), this_week)
            if request.form.get("same_day_ok") != "1":
                others = same_day_bookings(
                    db.session(),
                    wanted,
                    actor=signed_in_actor(),
                    timezone=center.timezone,
                    key=key,
                )
                if others:
                    return _same_day(center, week, values, others)
        booked = run(
            book_consultation,
            signed_in_actor(),
            wanted,
            centers=catalog.centers,
            products=catalog.products,
            center_id=center.id,
            idempotency_key=key,
            fingerprint=request_fingerprint({"center_id": center.id, **data}),
        )
    except SlotOfAnotherCenter:
        message = gettext("That slot belongs to another center. Pick one of the times below.")
        return _book_page(
            center, week, values=values, errors={"slot_id": message}, message=message, status=422
        )
    except DomainError as error:
        return _refused(center, week, values, error)
    made = booked.booking
    flash(gettext("Consultation booked. You can download the calendar invite below."))
    return redirect(url_for(CONFIRMED, booking_id=made.id), code=303)


def _refused(
    center: Center, week: date, values: Mapping[str, str], error: DomainError
) -> tuple[str, int]:
    """The form again, with every refusal beside its field and what was entered kept."""
    status = refusal_status(error)
    errors = field_messages(error)
    if isinstance(error, InvalidBooking):
        message = gettext("The consultation was not booked. Check the fields marked below.")
    elif isinstance(error, IdempotencyKeyReused):
        message = gettext(
            "This form was already used for another booking. Check My bookings before "
            "booking again with the form below."
        )
    elif isinstance(error, ProductNotOffered | NotOnLabel):
        message = gettext("The consultation was not booked: %(reason)s", reason=_first(errors))
    else:
        errors = {"slot_id": errors.get("slot_id") or slot_refusal(error)}
        message = errors["slot_id"]
    return _book_page(center, week, values=values, errors=errors, message=message, status=status)


def _same_day(
    center: Center, week: date, values: Mapping[str, str], others: Sequence[BookingRow]
) -> tuple[str, int]:
    """Ask before a second consultation for one patient on one day."""
    times = [f"{time_text(other.slot.start_at, center.timezone)}" for other in others]
    message = gettext(
        "This patient already has a consultation booked that day. Tick the box below to book "
        "another one anyway."
    )
    return _book_page(
        center, week, values=values, errors={}, message=message, status=409, same_day=times
    )


def _first(errors: Mapping[str, str]) -> str:
    return next(iter(errors.values()), gettext("check the form."))
