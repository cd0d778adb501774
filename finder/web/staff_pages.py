"""Center staff's own pages: each of their centers with its team, and its consultation calendar
in the center's own time zone: weekly hours, closures, blocked slots, the week at a glance, the
bookings the rules no longer hold, and each booking's cancel, outcome and move."""

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext, ngettext
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from finder.accounts.users import center_team
from finder.booking import calendar
from finder.booking.bookings import (
    UnknownSlot,
    cancel,
    find_booking,
    may_change,
    record_outcome,
    reschedule,
)
from finder.domain.availability import (
    DAYS,
    ENDED,
    LIMITS,
    MAX_REASON_LENGTH,
    STARTED_LONG_AGO,
    TOO_FAR_AHEAD,
    Availability,
    InvalidAvailability,
    InvalidClosure,
    parse_availability,
    parse_closure,
)
from finder.domain.bookings import (
    BOOKED,
    CANCELLED,
    COMPLETED,
    NO_SHOW,
    BookingNotChangeable,
    check_change,
    check_reason,
)
from finder.domain.centers import Center
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.reminders import (
    DEFAULT_HOURS_BEFORE,
    MAX_HOURS_BEFORE,
    MAX_REMINDERS,
    InvalidReminderHours,
    parse_reminder_hours_text,
)
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import BookingRow, ClosureRow, SlotRow, UserRow
from finder.web.access import CENTER_STAFF, allow
from finder.web.auth import current_actor, now, record_event, signed_in_user
from finder.web.errors import STATUS_BY_CODE
from finder.web.reminder_pages import messages_of, reminder_actions

staff = Blueprint("staff", __name__, url_prefix="/staff")
staff.register_blueprint(reminder_actions)  # a booking's "Send again": endpoints staff.reminders.*

RANGES_SHOWN = 3  # start/end pairs the hours form offers per weekday
NEW_CALENDAR = {  # what the hours form proposes before a center has published any hours
    "slot_minutes": "60",
    "buffer_minutes": "0",
    "capacity": "1",
    "min_notice_hours": "24",
    "horizon_days": "56",
}
FIRST_WEEK, LAST_WEEK = date(2000, 1, 3), date(2999, 12, 23)
_RANGE_FIELD = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)-(\d{1,2})-(start|end)")
_RANGE_PROBLEM = re.compile(r"weekly\[(\d+)\](?:\.(start|end))?")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
_WHOLE = re.compile(r"[0-9]{1,6}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class LocalClock:
    """The center's wall clock: every time a page shows is local, with its zone abbreviation."""

    zone: ZoneInfo

    def when(self, instant: datetime) -> str:
        """'Mon 15 Mar, 09:00 EDT'."""
        local = instant.astimezone(self.zone)
        return f"{format_date(local.date(), 'EEE d MMM')}, {local:%H:%M} {local.tzname()}"

    def span(self, start: datetime, end: datetime) -> str:
        """'09:00–10:00 EDT'; both abbreviations when the clocks change inside the slot."""
        first, last = start.astimezone(self.zone), end.astimezone(self.zone)
        if first.tzname() == last.tzname():
            return f"{first:%H:%M}–{last:%H:%M} {last.tzname()}"
        return f"{first:%H:%M} {first.tzname()}–{last:%H:%M} {last.tzname()}"

    def day(self, day: date) -> str:
        return format_date(day, "EEEE d MMMM yyyy")

    def day_heading(self, day: date) -> str:
        return format_date(day, "EEEE d MMMM")

    def short_day(self, day: date) -> str:
        return format_date(day, "EEE d MMM yyyy")

    def long_day(self, day: date) -> str:
        return format_date(day, "long")

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def abbreviation(self) -> str:
        return now().astimezone(self.zone).tzname() or ""


def _center(center_id: str) -> Center:
    try:
        return current_catalog().centers.get(center_id)
    except UnknownReference:
        abort(404, description=gettext("No such center."))


def _clock(center: Center) -> LocalClock:
    return LocalClock(ZoneInfo(center.timezone))


def _today(center: Center) -> date:
    return now().astimezone(ZoneInfo(center.timezone)).date()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _me() -> UserRow:
    me = signed_in_user()
    assert me is not None  # noqa: S101 - CENTER_STAFF access guarantees it
    return me


def _render(template: str, center: Center, status: int = 200, **context: Any) -> tuple[str, int]:
    page = render_template(
        template,
        center=center,
        clock=_clock(center),
        status_words=status_words(),
        **context,
    )
    return page, status


def status_words() -> dict[str, str]:
    return {
        BOOKED: gettext("Booked"),
        CANCELLED: gettext("Cancelled"),
        COMPLETED: gettext("Completed"),
        NO_SHOW: gettext("No-show"),
    }


def _with_link(text: str, href: str, label: str) -> Markup:
    """A flash message with a link in it; the text and the link's words are escaped."""
    return Markup('{} <a href="{}">{}</a>').format(text, href, label)


def _flash_displaced(center_id: str, count: int) -> None:
    if count:
        text = ngettext(
            "%(num)d booking no longer fits the calendar.",
            "%(num)d bookings no longer fit the calendar.",
            count,
        )
        href = url_for("staff.displaced_bookings", center_id=center_id)
        flash(_with_link(text, href, gettext("Move or cancel them")))


# --- The center ---------------------------------------------------------------------------


@staff.get("/centers/<center_id>")
@allow(CENTER_STAFF)
def center(center_id: str) -> tuple[str, int]:
    """A center as its staff see it: the public facts, the calendar at a glance, the team."""
    found = _center(center_id)
    session = db.session()
    at = now()
    return _render(
        "staff/center.html",
        found,
        team=center_team(session, center_id),
        published=calendar.load_availability(session, found) is not None,
        next_free=calendar.next_free(session, [found], now=at).get(found.id),
        displaced=len(calendar.displaced(session, found, now=at)),
    )


# --- Weekly hours -------------------------------------------------------------------------


@dataclass
class HoursForm:
    """The hours form as entered, and each field's problem in the page's words."""

    ranges: dict[str, list[tuple[str, str]]]
    numbers: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    reminders: str | None = None  # "72, 24"; None when the form left the field out

    @classmethod
    def of(cls, availability: Availability | None) -> "HoursForm":
        if availability is None:
            return cls({day: [] for day in DAYS}, dict(NEW_CALENDAR), reminders=_hours_text(None))
        ranges: dict[str, list[tuple[str, str]]] = {day: [] for day in DAYS}
        for hours in availability.weekly:
            ranges[hours.day].append((f"{hours.start:%H:%M}", f"{hours.end:%H:%M}"))
        numbers = {name: str(getattr(availability, name)) for name in LIMITS}
        return cls(ranges, numbers, reminders=_hours_text(availability.reminder_hours))

    @classmethod
    def entered(cls, form: Mapping[str, str]) -> "HoursForm":
        found: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
        for key, value in form.items():
            if match := _RANGE_FIELD.fullmatch(key):
                found[(match[1], int(match[2]))][match[3]] = value.strip()
        ranges: dict[str, list[tuple[str, str]]] = {day: [] for day in DAYS}
        for day in DAYS:
            last = max((n for d, n in found if d == day), default=-1)
            for n in range(last + 1):
                pair = found.get((day, n), {})
                ranges[day].append((pair.get("start", ""), pair.get("end", "")))
        reminders = form.get("reminder_hours")
        numbers = {name: form.get(name, "").strip() for name in LIMITS}
        return cls(ranges, numbers, reminders=None if reminders is None else reminders.strip())

    def rows(self, day: str) -> list[tuple[str, str]]:
        """The day's ranges, with empty pairs up to RANGES_SHOWN."""
        ranges = self.ranges[day]
        return ranges + [("", "")] * max(0, RANGES_SHOWN - len(ranges))

    def data(self) -> tuple[dict[str, Any], list[tuple[str, int]]]:
        """The availability's JSON shape, and where each `weekly[i]` came from on the form."""
        weekly, places = [], []
        for day in DAYS:
            for n, (start, end) in enumerate(self.ranges[day]):
                if start or end:
                    weekly.append({"day": day, "start": _padded(start), "end": _padded(end)})
                    places.append((day, n))
        data: dict[str, Any] = {"weekly": weekly}
        for name, value in self.numbers.items():
            if value:
                data[name] = int(value) if _WHOLE.fullmatch(value) else value
        if self.reminders is not None:
            data["reminder_hours"] = _reminder_list(self.reminders)
        return data, places

    def explain(self, problems: Mapping[str, str], places: list[tuple[str, int]]) -> None:
        for name, reason in problems.items():
            match = _RANGE_PROBLEM.fullmatch(name)
            if match and int(match[1]) < len(places):
                day, n = places[int(match[1])]
                key = f"{day}-{n}" + (f"-{match[2]}" if match[2] else "")
                self.errors[key] = problem_words(match[2] or "range", reason)
            elif name in LIMITS or name == "reminder_hours":
                self.errors[name] = problem_words(name, reason)
            else:
                self.errors.setdefault("form", reason)


def _hours_text(hours: tuple[int, ...] | None) -> str:
    """Reminder times as the form shows them, "72, 24"; None: the defaults."""
    return ", ".join(str(h) for h in (DEFAULT_HOURS_BEFORE if hours is None else hours))


def _reminder_list(text: str) -> list[int] | str:
    """The reminder times typed, or the text as entered for the parser to refuse."""
    try:
        return list(parse_reminder_hours_text(text))
    except InvalidReminderHours:
        return text


def _padded(clock: str) -> str:
    """'9:00' as '09:00'; anything else as entered, for the parser to judge."""
    match = _CLOCK.fullmatch(clock)
    return f"{int(match[1]):02d}:{match[2]}" if match else clock


def problem_words(name: str, reason: str) -> str:
    """A field's problem as the domain names it, in the page's words."""
    if name in LIMITS:
        low, high = LIMITS[name]
        return gettext("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
    if name == "reminder_hours":
        return gettext(
            "Enter up to %(most)d different whole numbers from 1 to %(high)d, separated by "
            "commas, or leave it empty.",
            most=MAX_REMINDERS,
            high=MAX_HOURS_BEFORE,
        )
    if reason == "must be after start":
        return gettext("The end must be later than the start.")
    if reason.startswith("overlaps"):
        return gettext("This range overlaps another range on the same day.")
    if name in ("start", "end") and reason.startswith("must be a time"):
        return gettext("Enter a time such as 09:00.")
    if reason == "must not be before start":
        return gettext("The last day must not be before the first day.")
    if reason == ENDED:
        return gettext("This date has passed: a closure must not end before today.")
    if reason == STARTED_LONG_AGO:
        return gettext("A closure may start at most a year before today.")
    if reason == TOO_FAR_AHEAD:
        return gettext(
            "Too far ahead: closures can be entered up to two years beyond the booking horizon."
        )
    if name == "reason" and reason == "required":
        return gettext("Enter a reason.")
    if name == "reason":
        return gettext(
            "Enter a reason of at most %(most)d characters on one line.", most=MAX_REASON_LENGTH
        )
    if reason == "required" or reason.startswith("must be a date"):
        return gettext("Enter a date such as 2027-03-15.")
    return reason


def _hours_page(center: Center, form: HoursForm, status: int = 200) -> tuple[str, int]:
    return _render("staff/hours.html", center, status, form=form, days=DAYS, limits=LIMITS)


def day_names() -> dict[str, str]:
    return {
        "mon": gettext("Monday"),
        "tue": gettext("Tuesday"),
        "wed": gettext("Wednesday"),
        "thu": gettext("Thursday"),
        "fri": gettext("Friday"),
        "sat": gettext("Saturday"),
        "sun": gettext("Sunday"),
    }


@staff.context_processor
def _calendar_words() -> dict[str, Any]:
    return {"day_names": day_names}


@staff.get("/centers/<center_id>/hours")
@allow(CENTER_STAFF)
def hours(center_id: str) -> tuple[str, int]:
    found = _center(center_id)
    return _hours_page(found, HoursForm.of(calendar.load_availability(db.session(), found)))


@staff.post("/centers/<center_id>/hours")
@allow(CENTER_STAFF)
def save_hours(center_id: str) -> Response | tuple[str, int]:
    """Publish the weekly hours; the slots follow, and bookings they no longer hold are listed."""
    found = _center(center_id)
    form = HoursForm.entered(request.form)
    data, places = form.data()
    try:
        availability = parse_availability(data, timezone=found.timezone)
    except InvalidAvailability as error:
        form.explain(error.fields, places)
        return _hours_page(found, form, 400)
    session, at = db.session(), now()
    refresh = calendar.save_availability(session, found, availability, now=at, by=_me().id)
    record_event(
        "calendar_hours_changed", target_type="center", target_id=center_id, center_id=center_id
    )
    displaced = len(calendar.displaced(session, found, now=at))
    session.commit()
    flash(
        gettext(
            "Hours saved. Slots added: %(added)d. Slots withdrawn: %(removed)d.",
            added=refresh.added + refresh.reopened,
            removed=refresh.removed + refresh.retired,
        )
    )
    _flash_displaced(center_id, displaced)
    return redirect(url_for("staff.week", center_id=center_id), 303)


# --- The week ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotView:
    slot: SlotRow
    bookings: list[BookingRow]
    started: bool

    @property
    def state(self) -> str:
        if self.slot.retired:
            return "retired"
        if self.slot.blocked:
            return "blocked"
        return "full" if self.slot.booked >= self.slot.capacity else "free"


@dataclass(frozen=True)
class DayView:
    day: date
    slots: list[SlotView]
    closure: ClosureRow | None
    today: bool


def _week_of(text: str | None, center: Center) -> date:
    if text is None or text == "":
        return _monday(_today(center))
    try:
        if _DAY.fullmatch(text):
            day = date.fromisoformat(text)
            if FIRST_WEEK <= day <= LAST_WEEK:
                return _monday(day)
    except ValueError:
        pass
    abort(
        400,
        description=gettext(
            "The week must be a date written YYYY-MM-DD, such as 2027-03-15, "
            "between the years 2000 and 2999."
        ),
    )


def _providers(session: Session, bookings: list[BookingRow]) -> dict[int, UserRow]:
    ids = {booking.provider_id for booking in bookings}
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(UserRow).where(UserRow.id.in_(ids)))}


@staff.get("/centers/<center_id>/calendar")
@allow(CENTER_STAFF)
def week(center_id: str) -> tuple[str, int]:
    """One local week of slots, each with its bookings, marks, and block or open button."""
    found = _center(center_id)
    monday = _week_of(request.args.get("week"), found)
    session, at, clock = db.session(), now(), _clock(found)
    start, end = calendar.local_day_bounds(monday, monday + timedelta(days=6), found.timezone)
    bookings = calendar.bookings_between(session, found.id, start, end)
    by_slot: dict[int, list[BookingRow]] = defaultdict(list)
    for booking in bookings:
        by_slot[booking.slot_id].append(booking)
    by_day: dict[date, list[SlotView]] = defaultdict(list)
    for slot in calendar.week_slots(session, found, monday):
        view = SlotView(slot, by_slot.get(slot.id, []), slot.start_at <= at)
        by_day[clock.local_day(slot.start_at)].append(view)
    closures = calendar.closures_of(session, found.id, since=monday)
    today = _today(found)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        closure = next((c for c in closures if c.start_date <= day <= c.end_date), None)
        days.append(DayView(day, by_day.get(day, []), closure, day == today))
    return _render(
        "staff/week.html",
        found,
        monday=monday,
        previous_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        days=days,
        this_week=_monday(today),
        providers=_providers(session, bookings),
        published=calendar.load_availability(session, found) is not None,
        displaced=len(calendar.displaced(session, found, now=at)),
    )


@staff.post("/centers/<center_id>/slots/<int:slot_id>/block")
@allow(CENTER_STAFF)
def block_slot(center_id: str, slot_id: int) -> Response:
    """Block a slot (`blocked=1`, with an optional reason) or open it again (`blocked=0`)."""
    found = _center(center_id)
    blocked = request.form.get("blocked", "")
    if blocked not in ("0", "1"):
        abort(400, description=gettext("Choose whether to block or open the slot."))
    session = db.session()
    try:
        reason = check_reason(request.form.get("reason"))
    except DomainError as error:
        abort(400, description=problem_words("reason", error.fields.get("reason", "")))
    try:
        slot = calendar.set_blocked(
            session, found.id, slot_id, blocked=blocked == "1", reason=reason
        )
    except UnknownReference:
        session.rollback()
        abort(404, description=gettext("No such slot at this center."))
    action = "calendar_slot_blocked" if slot.blocked else "calendar_slot_opened"
    record_event(action, target_type="slot", target_id=slot_id, center_id=center_id)
    session.commit()
    clock = _clock(found)
    when = clock.when(slot.start_at)
    if slot.blocked:
        flash(gettext("Slot blocked: %(when)s.", when=when))
        _flash_displaced(center_id, len(calendar.displaced(session, found, now=now())))
    else:
        flash(gettext("Slot open again: %(when)s.", when=when))
    monday = _monday(clock.local_day(slot.start_at))
    return redirect(
        url_for(
            "staff.week", center_id=center_id, week=monday.isoformat(), _anchor=f"slot-{slot_id}"
        ),
        303,
    )


# --- Closures ----------------------------------------------------------------------------


def _closures_page(
    center: Center, values: Mapping[str, str], errors: Mapping[str, str], status: int = 200
) -> tuple[str, int]:
    upcoming = calendar.closures_of(db.session(), center.id, since=_today(center))
    return _render(
        "staff/closures.html", center, status, closures=upcoming, values=values, errors=errors
    )


@staff.get("/centers/<center_id>/closures")
@allow(CENTER_STAFF)
def closures(center_id: str) -> tuple[str, int]:
    return _closures_page(_center(center_id), {}, {})


@staff.post("/centers/<center_id>/closures")
@allow(CENTER_STAFF)
def add_closure(center_id: str) -> Response | tuple[str, int]:
    """Close the center on a date or a range of dates; bookings on them are listed to resolve."""
    found = _center(center_id)
    values = {key: request.form.get(key, "").strip() for key in ("start", "end", "reason")}
    entered: dict[str, str] = {"reason": values["reason"]}
    if values["end"]:
        entered.update(start=values["start"], end=values["end"])
    else:
        entered["date"] = values["start"]
    session, at = db.session(), now()
    try:
        closure = parse_closure(entered)
        row, _ = calendar.add_closure(session, found, closure, now=at, by=_me().id)
    except InvalidClosure as error:
        session.rollback()
        # A single date is entered in the first field: every problem with it goes there.
        one_day = "date" in entered
        errors = {
            "start" if one_day and name != "reason" else name: problem_words(name, reason)
            for name, reason in error.fields.items()
        }
        return _closures_page(found, values, errors, 400)
    record_event(
        "calendar_closure_added", target_type="closure", target_id=row.id, center_id=center_id
    )
    start, end = calendar.local_day_bounds(closure.start, closure.end, found.timezone)
    falling = [
        booking
        for booking in calendar.bookings_between(session, found.id, start, end)
        if booking.status == BOOKED and booking.slot.start_at > at
    ]
    session.commit()
    text = ngettext(
        "Closure added. %(num)d booking falls on it.",
        "Closure added. %(num)d bookings fall on it.",
        len(falling),
    )
    if falling:
        href = url_for("staff.displaced_bookings", center_id=center_id)
        flash(_with_link(text, href, gettext("Move or cancel them")))
    else:
        flash(text)
    return redirect(url_for("staff.closures", center_id=center_id), 303)


@staff.post("/centers/<center_id>/closures/<int:closure_id>/delete")
@allow(CENTER_STAFF)
def remove_closure(center_id: str, closure_id: int) -> Response:
    found = _center(center_id)
    session = db.session()
    try:
        refresh = calendar.remove_closure(session, found, closure_id, now=now())
    except UnknownReference:
        session.rollback()
        abort(404, description=gettext("No such closure at this center."))
    record_event(
        "calendar_closure_removed", target_type="closure", target_id=closure_id, center_id=center_id
    )
    session.commit()
    flash(
        gettext(
            "Closure removed. Slots open again: %(count)d.",
            count=refresh.added + refresh.reopened,
        )
    )
    return redirect(url_for("staff.closures", center_id=center_id), 303)


# --- Bookings to resolve -----------------------------------------------------------------


def displaced_words(item: calendar.Displaced) -> str:
    """Why the calendar no longer holds a booking, in words."""
    if item.reason == "closed":
        return gettext("The center is closed that day: %(reason)s", reason=item.detail)
    if item.reason == "outside_hours":
        return gettext("Outside the current consultation hours")
    if item.reason == "blocked" and item.detail:
        return gettext("The slot is blocked: %(reason)s", reason=item.detail)
    if item.reason == "blocked":
        return gettext("The slot is blocked")
    return gettext("The slot holds more bookings than its capacity")


@staff.get("/centers/<center_id>/displaced")
@allow(CENTER_STAFF)
def displaced_bookings(center_id: str) -> tuple[str, int]:
    """Live bookings the current hours, closures or blocks no longer hold, earliest first."""
    found = _center(center_id)
    session = db.session()
    items = calendar.displaced(session, found, now=now())
    return _render(
        "staff/displaced.html",
        found,
        items=[(item.booking, displaced_words(item)) for item in items],
        providers=_providers(session, [item.booking for item in items]),
    )


# --- One booking -------------------------------------------------------------------------


def _booking_of(center_id: str, booking_id: int) -> BookingRow:
    """The booking, if it is this center's; any other booking is as unknown as a missing one."""
    actor = current_actor()
    assert actor is not None  # noqa: S101 - CENTER_STAFF access guarantees it
    try:
        booking = find_booking(db.session(), actor, booking_id)
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


def _free_slot_choices(
    center: Center, booking: BookingRow, at: datetime
) -> list[tuple[str, list[tuple[int, str]]]]:
    """The slots the booking may move to, grouped by local day, for a select."""
    session = db.session()
    availability = calendar.load_availability(session, center)
    if availability is None:
        return []
    today = _today(center)
    slots = calendar.free_slots(
        session,
        center,
        first_day=today,
        last_day=today + timedelta(days=availability.horizon_days),
        now=at,
        limit=300,
    )
    clock = _clock(center)
    groups: dict[date, list[tuple[int, str]]] = defaultdict(list)
    for slot in slots:
        if slot.id == booking.slot_id:
            continue
        left = slot.capacity - slot.booked
        label = ngettext("%(num)d place left", "%(num)d places left", left)
        groups[clock.local_day(slot.start_at)].append(
            (slot.id, f"{clock.span(slot.start_at, slot.end_at)} · {label}")
        )
    return [(clock.day(day), choices) for day, choices in sorted(groups.items())]


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
    return _render(
        "staff/booking.html",
        center,
        status,
        booking=booking,
        monday=_monday(_clock(center).local_day(booking.slot.start_at)),
        provider=db.session().get(UserRow, booking.provider_id),
        messages=messages_of(db.session(), booking, center),
        product=product,
        indication=catalog.products.indications.get(booking.indication, ""),
        may_cancel=_allows(booking, CANCELLED, at),
        may_record=_allows(booking, COMPLETED, at),
        may_move=_allows(booking, BOOKED, at),
        choices=_free_slot_choices(center, booking, at) if _allows(booking, BOOKED, at) else [],
        error=error,
        values=values or {},
    )


@staff.get("/centers/<center_id>/bookings/<int:booking_id>")
@allow(CENTER_STAFF)
def booking(center_id: str, booking_id: int) -> tuple[str, int]:
    """A booking with its patient, for staff to cancel, move, or record as completed."""
    found = _center(center_id)
    row = _booking_of(center_id, booking_id)
    record_event("booking_viewed", target_type="booking", target_id=booking_id, center_id=center_id)
    db.session().commit()
    return _booking_page(found, row)


def _change(
    center_id: str,
    booking_id: int,
    action: str,
    to: str,
    change: Callable[[Session, BookingRow, datetime], str],
) -> Response | tuple[str, int]:
    """Run one change; a refusal changes nothing, is audited, and re-renders the page."""
    found = _center(center_id)
    row = _booking_of(center_id, booking_id)
    session = db.session()
    actor = current_actor()
    if actor is None or not may_change(actor, row, to=to):
        abort(403, description=gettext("Your role may not do this."))
    try:
        done = change(session, row, now())
    except DomainError as error:
        session.rollback()
        record_event(
            action,
            target_type="booking",
            target_id=booking_id,
            center_id=center_id,
            outcome=error.code,
        )
        session.commit()
        status = STATUS_BY_CODE.get(error.code, 422)
        return _booking_page(
            found,
            _booking_of(center_id, booking_id),
            error=refusal_words(error),
            status=status,
            values=request.form,
        )
    record_event(action, target_type="booking", target_id=booking_id, center_id=center_id)
    session.commit()
    flash(done)
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
    def change(session: Session, row: BookingRow, at: datetime) -> str:
        reason = check_reason(request.form.get("reason"), required=True)
        cancel(session, row, reason=reason, now=at)
        return gettext("The consultation is cancelled.")

    return _change(center_id, booking_id, "booking_cancelled", CANCELLED, change)


@staff.post("/centers/<center_id>/bookings/<int:booking_id>/outcome")
@allow(CENTER_STAFF)
def record_booking_outcome(center_id: str, booking_id: int) -> Response | tuple[str, int]:
    outcome = request.form.get("status", "")

    def change(session: Session, row: BookingRow, at: datetime) -> str:
        record_outcome(session, row, outcome=outcome, now=at)
        return gettext("Recorded: %(status)s.", status=status_words()[outcome])

    return _change(center_id, booking_id, "booking_outcome", COMPLETED, change)


@staff.post("/centers/<center_id>/bookings/<int:booking_id>/reschedule")
@allow(CENTER_STAFF)
def reschedule_booking(center_id: str, booking_id: int) -> Response | tuple[str, int]:
    chosen = request.form.get("slot_id", "")

    def change(session: Session, row: BookingRow, at: datetime) -> str:
        if not _WHOLE.fullmatch(chosen):
            raise UnknownSlot()
        centers = current_catalog().centers
        moved = reschedule(session, row, slot_id=int(chosen), now=at, centers=centers)
        when = _clock(centers.get(row.center_id)).when(moved.slot.start_at)
        return gettext("Moved to %(when)s.", when=when)

    return _change(center_id, booking_id, "booking_rescheduled", BOOKED, change)
