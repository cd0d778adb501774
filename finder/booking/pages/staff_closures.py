"""The staff's closures of a center and the bookings the rules no longer hold: closing the center
on dates (a holiday offered in a click), opening it again, and the bookings left to resolve."""

from collections.abc import Mapping

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext, ngettext
from werkzeug.wrappers import Response

from finder.booking import calendar, use_cases
from finder.booking.pages.holiday_words import holiday_names
from finder.booking.pages.staff import (
    problem_words,
    providers_of,
    render,
    staff,
    staff_actor,
    staff_center,
    today_at,
    with_link,
)
from finder.domain.availability import InvalidClosure, parse_closure
from finder.domain.centers import Center
from finder.domain.errors import UnknownReference
from finder.domain.holidays import holidays_to_offer
from finder.storage import db
from finder.web.access import CENTER_STAFF, allow
from finder.web.auth import now
from finder.web.commands import run

# --- Closures ----------------------------------------------------------------------------


def _closures_page(
    center: Center, values: Mapping[str, str], errors: Mapping[str, str], status: int = 200
) -> tuple[str, int]:
    today = today_at(center)
    upcoming = calendar.closures_of(db.session(), center.id, since=today)
    spans = [(row.start_date, row.end_date) for row in upcoming]
    return render(
        "staff/closures.html", center, status, closures=upcoming, values=values, errors=errors,
        holidays=holidays_to_offer(today, spans), holiday_names=holiday_names(),
    )  # fmt: skip


@staff.get("/centers/<center_id>/closures")
@allow(CENTER_STAFF)
def closures(center_id: str) -> tuple[str, int]:
    return _closures_page(staff_center(center_id), {}, {})


@staff.post("/centers/<center_id>/closures")
@allow(CENTER_STAFF)
def add_closure(center_id: str) -> Response | tuple[str, int]:
    """Close the center on a date or a range of dates; bookings on them are listed to resolve."""
    found = staff_center(center_id)
    values = {key: request.form.get(key, "").strip() for key in ("start", "end", "reason")}
    entered: dict[str, str] = {"reason": values["reason"]}
    if values["end"]:
        entered.update(start=values["start"], end=values["end"])
    else:
        entered["date"] = values["start"]
    try:
        closure = parse_closure(entered)
        added = run(use_cases.add_closure, staff_actor(), found, closure)
    except InvalidClosure as error:
        # A single date is entered in the first field: every problem with it goes there.
        one_day = "date" in entered
        errors = {
            "start" if one_day and name != "reason" else name: problem_words(name, reason)
            for name, reason in error.fields.items()
        }
        return _closures_page(found, values, errors, 400)
    falling = added.falling
    text = ngettext(
        "Closure added. %(num)d booking falls on it.",
        "Closure added. %(num)d bookings fall on it.",
        len(falling),
    )
    if falling:
        href = url_for("staff.displaced_bookings", center_id=center_id)
        flash(with_link(text, href, gettext("Move or cancel them")))
    else:
        flash(text)
    return redirect(url_for("staff.closures", center_id=center_id), 303)


@staff.post("/centers/<center_id>/closures/<int:closure_id>/delete")
@allow(CENTER_STAFF)
def remove_closure(center_id: str, closure_id: int) -> Response:
    found = staff_center(center_id)
    try:
        refresh = run(use_cases.remove_closure, staff_actor(), found, closure_id)
    except UnknownReference:
        abort(404, description=gettext("No such closure at this center."))
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
    found = staff_center(center_id)
    session = db.session()
    items = calendar.displaced(session, found, now=now())
    return render(
        "staff/displaced.html",
        found,
        items=[(item.booking, displaced_words(item)) for item in items],
        providers=providers_of(session, [item.booking for item in items]),
    )
