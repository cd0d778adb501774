"""The staff's pages of their centers: the blueprint, the center's wall clock, and the words
the calendar and booking pages share."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask import Blueprint, abort, flash, render_template, url_for
from flask_babel import format_date, get_locale, gettext, ngettext
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.domain.accounts import Actor
from finder.domain.availability import (
    ENDED,
    LIMITS,
    MAX_REASON_LENGTH,
    STARTED_LONG_AGO,
    TOO_FAR_AHEAD,
)
from finder.domain.bookings import (
    BOOKED,
    CANCELLED,
    COMPLETED,
    NO_SHOW,
)
from finder.domain.centers import Center
from finder.domain.errors import UnknownReference
from finder.domain.reminders import (
    MAX_HOURS_BEFORE,
    MAX_REMINDERS,
)
from finder.extensions import current_catalog
from finder.reminders.pages import reminder_actions
from finder.storage.models import BookingRow, UserRow
from finder.web.auth import current_actor, now
from finder.web.local_times import page_reader

staff = Blueprint("staff", __name__, url_prefix="/staff")
staff.register_blueprint(reminder_actions)  # a booking's "Send again": endpoints staff.reminders.*

WHOLE = re.compile(r"[0-9]{1,6}")


def _hm(local: datetime) -> str:
    """A local time of day in the signed-in account's clock (24-hour unless it chose 12)."""
    return format_time(local, page_reader().clock(), locale=str(get_locale()))


@dataclass(frozen=True)
class LocalClock:
    """The center's wall clock: every time a page shows is local, with its zone abbreviation."""

    zone: ZoneInfo

    def when(self, instant: datetime) -> str:
        """'Mon 15 Mar, 09:00 EDT' (or 9:00 AM, by the account's clock)."""
        local = instant.astimezone(self.zone)
        return f"{format_date(local.date(), 'EEE d MMM')}, {_hm(local)} {local.tzname()}"

    def span(self, start: datetime, end: datetime) -> str:
        """'09:00–10:00 EDT'; both abbreviations when the clocks change inside the slot."""
        first, last = start.astimezone(self.zone), end.astimezone(self.zone)
        if first.tzname() == last.tzname():
            return f"{_hm(first)}–{_hm(last)} {last.tzname()}"
        return f"{_hm(first)} {first.tzname()}–{_hm(last)} {last.tzname()}"

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


def staff_center(center_id: str) -> Center:
    try:
        return current_catalog().centers.get(center_id)
    except UnknownReference:
        abort(404, description=gettext("No such center."))


def clock_of(center: Center) -> LocalClock:
    return LocalClock(ZoneInfo(center.timezone))


def today_at(center: Center) -> date:
    return now().astimezone(ZoneInfo(center.timezone)).date()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def staff_actor() -> Actor:
    actor = current_actor()
    assert actor is not None  # noqa: S101 - CENTER_STAFF access guarantees it
    return actor


def render(template: str, center: Center, status: int = 200, **context: Any) -> tuple[str, int]:
    page = render_template(
        template,
        center=center,
        clock=clock_of(center),
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


def with_link(text: str, href: str, label: str) -> Markup:
    """A flash message with a link in it; the text and the link's words are escaped."""
    return Markup('{} <a href="{}">{}</a>').format(text, href, label)


def flash_displaced(center_id: str, count: int) -> None:
    if count:
        text = ngettext(
            "%(num)d booking no longer fits the calendar.",
            "%(num)d bookings no longer fit the calendar.",
            count,
        )
        href = url_for("staff.displaced_bookings", center_id=center_id)
        flash(with_link(text, href, gettext("Move or cancel them")))


def providers_of(session: Session, bookings: list[BookingRow]) -> dict[int, UserRow]:
    """The referring providers of these bookings, by id."""
    ids = {booking.provider_id for booking in bookings}
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(UserRow).where(UserRow.id.in_(ids)))}


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
