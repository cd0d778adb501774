"""A center's consultation hours and closures, as staff enter them: local wall-clock times in
the center's IANA zone, validated field by field."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from finder.domain.contact import NOT_ALLOWED, unsafe_text
from finder.domain.days import OUT_OF_RANGE, in_range
from finder.domain.errors import DomainError
from finder.domain.reminders import InvalidReminderHours, check_reminder_hours

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
# The inclusive bounds of each number, in the order the API lists them.
LIMITS = {
    "slot_minutes": (10, 480),
    "buffer_minutes": (0, 240),
    "capacity": (1, 50),
    "min_notice_hours": (0, 720),
    "horizon_days": (1, 365),
}
AVAILABILITY_FIELDS = ("weekly", *LIMITS, "reminder_hours")
HOURS_FIELDS = ("day", "start", "end")
MAX_REASON_LENGTH = 200
# Closures are entered from a year back (one already under way) to two years beyond the
# booking horizon (holidays and works known ahead); anything further is a typing slip.
CLOSURE_PAST = timedelta(days=366)
CLOSURE_AHEAD = timedelta(days=730)
ENDED = "must not end before today"
STARTED_LONG_AGO = "must not start more than a year before today"
TOO_FAR_AHEAD = "too far ahead"
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidAvailability(DomainError):
    """Hours that cannot be used; `fields` names every bad field."""

    code = "invalid_availability"


class InvalidClosure(DomainError):
    """A closure that cannot be used; `fields` names every bad field."""

    code = "invalid_closure"


@dataclass(frozen=True)
class WeeklyHours:
    """One range of consultation hours on one weekday, in local wall-clock time."""

    day: str
    start: time
    end: time

    @property
    def weekday(self) -> int:
        return DAYS.index(self.day)


@dataclass(frozen=True)
class Availability:
    """When a center sees patients, how slots are cut, and how far ahead they can be booked."""

    weekly: tuple[WeeklyHours, ...]
    slot_minutes: int
    buffer_minutes: int
    capacity: int
    min_notice_hours: int
    horizon_days: int
    timezone: str
    # Hours before a consultation that reminders go out, largest first; None: not given (a
    # change of hours keeps the reminder times stored).
    reminder_hours: tuple[int, ...] | None = None

    def hours_on(self, day: date) -> tuple[WeeklyHours, ...]:
        """The ranges that apply to this local date's weekday."""
        return tuple(hours for hours in self.weekly if hours.weekday == day.weekday())


@dataclass(frozen=True)
class Closure:
    """Local dates on which the center sees nobody, `start` to `end` inclusive."""

    start: date
    end: date
    reason: str

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def parse_availability(data: Mapping[str, Any], *, timezone: str) -> Availability:
    """Availability from its JSON shape, or InvalidAvailability naming every bad field."""
    problems: dict[str, str] = {}
    if not isinstance(data, Mapping):
        raise InvalidAvailability(
            "The availability must be a JSON object.", fields={"availability": "must be an object"}
        )
    for key in data:
        if key not in AVAILABILITY_FIELDS:
            problems[str(key)] = "unknown field"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems["timezone"] = "not an IANA time zone"
    numbers = {name: _number(data, name, problems) for name in LIMITS}
    weekly = _weekly(data.get("weekly"), problems)
    reminder_hours = _reminder_hours(data, problems)
    if problems:
        raise InvalidAvailability(_summary("availability", problems), fields=problems)
    return Availability(
        weekly=weekly,
        slot_minutes=numbers["slot_minutes"],
        buffer_minutes=numbers["buffer_minutes"],
        capacity=numbers["capacity"],
        min_notice_hours=numbers["min_notice_hours"],
        horizon_days=numbers["horizon_days"],
        timezone=timezone,
        reminder_hours=reminder_hours,
    )


def availability_json(availability: Availability) -> dict[str, Any]:
    """The API shape: hours as "HH:MM" local time, the center's zone left to the center."""
    shape: dict[str, Any] = {
        "weekly": [
            {"day": h.day, "start": _clock(h.start), "end": _clock(h.end)}
            for h in availability.weekly
        ],
        "slot_minutes": availability.slot_minutes,
        "buffer_minutes": availability.buffer_minutes,
        "capacity": availability.capacity,
        "min_notice_hours": availability.min_notice_hours,
        "horizon_days": availability.horizon_days,
    }
    if availability.reminder_hours is not None:
        shape["reminder_hours"] = list(availability.reminder_hours)
    return shape


def parse_closure(data: Mapping[str, Any]) -> Closure:
    """A closure from `{"date", "reason"}` or `{"start", "end", "reason"}`, or InvalidClosure."""
    problems: dict[str, str] = {}
    if not isinstance(data, Mapping):
        raise InvalidClosure(
            "The closure must be a JSON object.", fields={"closure": "must be an object"}
        )
    for key in data:
        if key not in ("date", "start", "end", "reason"):
            problems[str(key)] = "unknown field"
    if "date" in data:
        for key in ("start", "end"):
            if key in data:
                problems[key] = "give either date, or start and end"
        start = end = _date(data, "date", problems)
    else:
        start, end = _date(data, "start", problems), _date(data, "end", problems)
        if start is not None and end is not None and end < start:
            problems["end"] = "must not be before start"
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        problems["reason"] = "required"
    elif len(reason.strip()) > MAX_REASON_LENGTH:
        problems["reason"] = f"at most {MAX_REASON_LENGTH} characters"
    elif unsafe_text(reason.strip()):
        problems["reason"] = NOT_ALLOWED
    if problems or start is None or end is None or not isinstance(reason, str):
        raise InvalidClosure(_summary("closure", problems), fields=problems)
    return Closure(start=start, end=end, reason=reason.strip())


def closure_window(today: date, horizon_days: int) -> tuple[date, date]:
    """The first and last local dates a closure may cover, seen from the center's today."""
    return today - CLOSURE_PAST, today + timedelta(days=horizon_days) + CLOSURE_AHEAD


def check_closure_dates(closure: Closure, *, today: date, horizon_days: int) -> Closure:
    """Refuse a closure wholly in the past, or reaching outside the closure window (the
    center's local today, and its booking horizon: 0 days before hours are published)."""
    first, last = closure_window(today, horizon_days)
    if closure.end < today:
        raise InvalidClosure(
            f"A closure must not end before today ({today.isoformat()}, the center's date).",
            fields={"end": ENDED},
        )
    if closure.start < first:
        raise InvalidClosure(
            f"A closure may start at most a year back, on {first.isoformat()} or later.",
            fields={"start": STARTED_LONG_AGO},
        )
    if closure.end > last:
        field = "start" if closure.start > last else "end"
        raise InvalidClosure(
            f"A closure may reach at most two years beyond the booking horizon, to "
            f"{last.isoformat()}.",
            fields={field: TOO_FAR_AHEAD},
        )
    return closure


def closure_json(closure: Closure) -> dict[str, str]:
    """A closure as the API shows it: ISO dates, inclusive."""
    return {
        "start": closure.start.isoformat(),
        "end": closure.end.isoformat(),
        "reason": closure.reason,
    }


def _number(data: Mapping[str, Any], name: str, problems: dict[str, str]) -> int:
    low, high = LIMITS[name]
    value = data.get(name)
    if name not in data:
        problems[name] = "required"
    elif not isinstance(value, int) or isinstance(value, bool):
        problems[name] = "must be a whole number"
    elif not low <= value <= high:
        problems[name] = f"must be between {low} and {high}"
    else:
        return value
    return low


def _reminder_hours(data: Mapping[str, Any], problems: dict[str, str]) -> tuple[int, ...] | None:
    """The reminder times if given: a list of hours before, [] for no timed reminders."""
    if "reminder_hours" not in data:
        return None
    value = data["reminder_hours"]
    if not isinstance(value, list | tuple):
        problems["reminder_hours"] = "must be a list of whole numbers of hours"
        return None
    try:
        return check_reminder_hours(value)
    except InvalidReminderHours as error:
        problems["reminder_hours"] = error.message
        return None


def _weekly(value: Any, problems: dict[str, str]) -> tuple[WeeklyHours, ...]:
    if value is None:
        problems["weekly"] = "required"
        return ()
    if not isinstance(value, list):
        problems["weekly"] = "must be a list of {day, start, end}"
        return ()
    ranges: list[tuple[int, WeeklyHours]] = []
    for index, entry in enumerate(value):
        hours = _hours(entry, f"weekly[{index}]", problems)
        if hours is not None:
            ranges.append((index, hours))
    # Several ranges a day are fine; two that share a minute are not. Touching is fine.
    ranges.sort(key=lambda pair: (pair[1].weekday, pair[1].start, pair[1].end))
    latest: tuple[int, WeeklyHours] | None = None  # the range reaching furthest into the day
    for index, hours in ranges:
        if latest is not None and latest[1].day == hours.day and hours.start < latest[1].end:
            problems[f"weekly[{index}]"] = f"overlaps weekly[{latest[0]}] on {hours.day}"
        if latest is None or latest[1].day != hours.day or hours.end > latest[1].end:
            latest = (index, hours)
    return tuple(hours for _, hours in ranges)


def _hours(entry: Any, name: str, problems: dict[str, str]) -> WeeklyHours | None:
    if not isinstance(entry, Mapping):
        problems[name] = "must be an object {day, start, end}"
        return None
    before = len(problems)
    for key in entry:
        if key not in HOURS_FIELDS:
            problems[f"{name}.{key}"] = "unknown field"
    day = entry.get("day")
    if day not in DAYS:
        problems[f"{name}.day"] = "must be one of " + ", ".join(DAYS)
    start = _time(entry.get("start"), f"{name}.start", problems)
    end = _time(entry.get("end"), f"{name}.end", problems)
    if start is not None and end is not None and end <= start:
        problems[f"{name}.end"] = "must be after start"
    if len(problems) > before or start is None or end is None:
        return None
    return WeeklyHours(day=str(day), start=start, end=end)


def _time(value: Any, name: str, problems: dict[str, str]) -> time | None:
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        problems[name] = "must be a time HH:MM between 00:00 and 23:59"
        return None
    return time(int(match[1]), int(match[2]))


def _date(data: Mapping[str, Any], name: str, problems: dict[str, str]) -> date | None:
    value = data.get(name)
    if name not in data:
        problems[name] = "required"
        return None
    try:
        if isinstance(value, str) and _DATE.fullmatch(value):
            day = date.fromisoformat(value)
            if in_range(day):
                return day
            problems[name] = f"must be a date YYYY-MM-DD {OUT_OF_RANGE.removeprefix('must be ')}"
            return None
    except ValueError:
        pass
    problems[name] = "must be a date YYYY-MM-DD"
    return None


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _summary(what: str, problems: Mapping[str, str]) -> str:
    listed = "; ".join(f"{name}: {reason}" for name, reason in problems.items())
    return f"The {what} has {len(problems)} problem(s): {listed}."


@dataclass(frozen=True)
class Leftover:
    """Minutes at the end of a range that no slot fills (13:00–14:30 with 60-minute slots:
    one slot, 30 minutes over)."""

    hours: WeeklyHours
    slots: int
    minutes: int
    last_end: time  # when the last slot ends


def leftovers(availability: Availability) -> list[Leftover]:
    """The ranges that do not divide into whole slots (with their breaks), in weekday order."""
    length, gap = availability.slot_minutes, availability.buffer_minutes
    found = []
    for hours in sorted(availability.weekly, key=lambda h: (h.weekday, h.start)):
        minutes = (hours.end.hour * 60 + hours.end.minute) - (
            hours.start.hour * 60 + hours.start.minute
        )
        count = max(0, (minutes + gap) // (length + gap))
        used = count * length + max(0, count - 1) * gap
        if minutes - used > 0 and (count == 0 or minutes - used > gap):
            end = hours.start.hour * 60 + hours.start.minute + used
            found.append(Leftover(hours, count, minutes - used, time(end // 60, end % 60)))
    return found
