"""The staff's calendar of a center, in the center's own time zone: the center at a glance,
weekly hours, the week's slots and blocks (closures and the bookings to resolve: staff_closures)."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext, ngettext
from werkzeug.wrappers import Response

from finder.accounts.users import center_team
from finder.booking import calendar, use_cases
from finder.booking.pages.hours_form import HoursForm, copy_day
from finder.booking.pages.staff import (
    clock_of,
    day_names,
    flash_displaced,
    monday_of,
    problem_words,
    providers_of,
    render,
    staff,
    staff_actor,
    staff_center,
    today_at,
)
from finder.domain.availability import (
    DAYS,
    LIMITS,
    InvalidAvailability,
    Leftover,
    leftovers,
    parse_availability,
)
from finder.domain.centers import Center
from finder.domain.errors import DomainError, UnknownReference
from finder.storage import db
from finder.storage.models import BookingRow, ClosureRow, SlotRow
from finder.web.access import CENTER_STAFF, allow
from finder.web.auth import now
from finder.web.commands import run
from finder.web.outcomes import outcome_table

FIRST_WEEK, LAST_WEEK = date(2000, 1, 3), date(2999, 12, 23)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- The center ---------------------------------------------------------------------------


@staff.get("/centers/<center_id>")
@allow(CENTER_STAFF)
def center(center_id: str) -> tuple[str, int]:
    """A center as its staff see it: the public facts, the calendar at a glance, the team."""
    found = staff_center(center_id)
    session = db.session()
    at = now()
    return render(
        "staff/center.html",
        found,
        team=center_team(session, center_id),
        published=calendar.load_availability(session, found) is not None,
        next_free=calendar.next_free(session, [found], now=at).get(found.id),
        displaced=len(calendar.displaced(session, found, now=at)),
    )


def _hours_page(center: Center, form: HoursForm, status: int = 200) -> tuple[str, int]:
    published = calendar.load_availability(db.session(), center)
    return render(
        "staff/hours.html",
        center,
        status,
        form=form,
        days=DAYS,
        limits=LIMITS,
        unused=[leftover_words(item, published.slot_minutes) for item in leftovers(published)]
        if published is not None and status == 200
        else [],
    )


def leftover_words(item: Leftover, slot_minutes: int) -> str:
    """E.g. "Tuesday 13:00–14:30: 1 slot of 60 minutes ends at 14:00; the last 30 minutes are
    not offered."."""
    hours = item.hours
    return ngettext(
        "%(day)s %(start)s–%(end)s: %(num)d slot of %(length)d minutes ends at %(last)s; the "
        "last %(minutes)d minutes are not offered.",
        "%(day)s %(start)s–%(end)s: %(num)d slots of %(length)d minutes end at %(last)s; the "
        "last %(minutes)d minutes are not offered.",
        item.slots,
        day=day_names()[hours.day],
        start=f"{hours.start:%H:%M}",
        end=f"{hours.end:%H:%M}",
        length=slot_minutes,
        last=f"{item.last_end:%H:%M}",
        minutes=item.minutes,
    )


@staff.get("/centers/<center_id>/hours")
@allow(CENTER_STAFF)
def hours(center_id: str) -> tuple[str, int]:
    found = staff_center(center_id)
    return _hours_page(found, HoursForm.of(calendar.load_availability(db.session(), found)))


@staff.post("/centers/<center_id>/hours")
@allow(CENTER_STAFF)
def save_hours(center_id: str) -> Response | tuple[str, int]:
    """Publish the weekly hours; the slots follow, and bookings they no longer hold are listed."""
    found = staff_center(center_id)
    form = HoursForm.entered(request.form)
    if request.form.get("action") == "copy":
        return _copy_hours(found, form)
    data, places = form.data()
    try:
        availability = parse_availability(data, timezone=found.timezone)
    except InvalidAvailability as error:
        form.explain(error.fields, places)
        return _hours_page(found, form, 400)
    changed = run(use_cases.change_hours, staff_actor(), found, availability)
    refresh = changed.refresh
    flash(
        gettext(
            "Hours saved. Slots added: %(added)d. Slots withdrawn: %(removed)d.",
            added=refresh.added + refresh.reopened,
            removed=refresh.removed + refresh.retired,
        )
    )
    flash_displaced(center_id, len(changed.displaced))
    for item in leftovers(availability):
        flash(leftover_words(item, availability.slot_minutes))
    return redirect(url_for("staff.week", center_id=center_id), 303)


def _copy_hours(center: Center, form: HoursForm) -> tuple[str, int]:
    """One day's ranges copied to the days ticked, shown to check before saving."""
    source = request.form.get("copy_from", "")[:3]
    names = day_names()
    copied = copy_day(form, source, request.form.getlist("copy_to")[:7])
    if not copied:
        form.errors["copy"] = gettext(
            "To copy hours, choose a day to copy and the days to copy it to."
        )
        return _hours_page(center, form, 400)
    flash(
        gettext(
            "%(day)s's hours are copied to %(days)s. Nothing is saved yet: check them, then save.",
            day=names[source],
            days=", ".join(names[day] for day in copied),
        )
    )
    return _hours_page(center, form)


# --- The week ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotView:
    slot: SlotRow
    bookings: list[BookingRow]
    started: bool
    in_notice: bool = False  # not started, but too soon for a provider to book

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
        return monday_of(today_at(center))
    try:
        if _DAY.fullmatch(text):
            day = date.fromisoformat(text)
            if FIRST_WEEK <= day <= LAST_WEEK:
                return monday_of(day)
    except ValueError:
        pass
    abort(
        400,
        description=gettext(
            "The week must be a date written YYYY-MM-DD, such as 2027-03-15, "
            "between the years 2000 and 2999."
        ),
    )


@staff.get("/centers/<center_id>/calendar")
@allow(CENTER_STAFF)
def week(center_id: str) -> tuple[str, int]:
    """One local week of slots, each with its bookings, marks, and block or open button."""
    found = staff_center(center_id)
    monday = _week_of(request.args.get("week"), found)
    session, at, clock = db.session(), now(), clock_of(found)
    start, end = calendar.local_day_bounds(monday, monday + timedelta(days=6), found.timezone)
    bookings = calendar.bookings_between(session, found.id, start, end)
    by_slot: dict[int, list[BookingRow]] = defaultdict(list)
    for booking in bookings:
        by_slot[booking.slot_id].append(booking)
    by_day: dict[date, list[SlotView]] = defaultdict(list)
    published = calendar.load_availability(session, found)
    notice_until = at + timedelta(hours=published.min_notice_hours if published else 0)
    for slot in calendar.week_slots(session, found, monday):
        started = slot.start_at <= at
        in_notice = not started and slot.start_at < notice_until
        view = SlotView(slot, by_slot.get(slot.id, []), started, in_notice)
        by_day[clock.local_day(slot.start_at)].append(view)
    closures = calendar.closures_of(session, found.id, since=monday)
    today = today_at(found)
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        closure = next((c for c in closures if c.start_date <= day <= c.end_date), None)
        days.append(DayView(day, by_day.get(day, []), closure, day == today))
    return render(
        "staff/week.html",
        found,
        monday=monday,
        previous_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
        days=days,
        this_week=monday_of(today),
        providers=providers_of(session, bookings),
        published=published is not None,
        notice_hours=published.min_notice_hours if published else 0,
        displaced=len(calendar.displaced(session, found, now=at)),
        outcomes=outcome_table(session, found, last_month=max(monday, today)),
    )


@staff.post("/centers/<center_id>/slots/<int:slot_id>/block")
@allow(CENTER_STAFF)
def block_slot(center_id: str, slot_id: int) -> Response:
    """Block a slot (`blocked=1`, with an optional reason) or open it again (`blocked=0`)."""
    found = staff_center(center_id)
    blocked = request.form.get("blocked", "")
    if blocked not in ("0", "1"):
        abort(400, description=gettext("Choose whether to block or open the slot."))
    try:
        slot = run(
            use_cases.block_slot,
            staff_actor(),
            found,
            slot_id,
            blocked=blocked == "1",
            reason=request.form.get("reason"),
        )
    except UnknownReference:
        abort(404, description=gettext("No such slot at this center."))
    except DomainError as error:
        abort(400, description=problem_words("reason", error.fields.get("reason", "")))
    session = db.session()
    clock = clock_of(found)
    when = clock.when(slot.start_at)
    if slot.blocked:
        flash(gettext("Slot blocked: %(when)s.", when=when))
        flash_displaced(center_id, len(calendar.displaced(session, found, now=now())))
    else:
        flash(gettext("Slot open again: %(when)s.", when=when))
    monday = monday_of(clock.local_day(slot.start_at))
    return redirect(
        url_for(
            "staff.week", center_id=center_id, week=monday.isoformat(), _anchor=f"slot-{slot_id}"
        ),
        303,
    )
