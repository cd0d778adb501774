"""The weekly hours form: what staff entered, as the domain reads it, and each problem back
beside its field."""

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from finder.booking.pages.staff import (
    WHOLE,
    problem_words,
)
from finder.domain.availability import (
    DAYS,
    LIMITS,
    Availability,
)
from finder.domain.reminders import (
    DEFAULT_HOURS_BEFORE,
    InvalidReminderHours,
    parse_reminder_hours_text,
)

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
                data[name] = int(value) if WHOLE.fullmatch(value) else value
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


def copy_day(form: "HoursForm", source: str, targets: list[str]) -> list[str]:
    """Give each target day the source day's ranges, as entered (nothing is saved); the days
    copied to, or [] when the source or the targets are not days of the week."""
    chosen = [day for day in DAYS if day in targets and day != source]
    if source not in DAYS or not chosen:
        return []
    for day in chosen:
        form.ranges[day] = list(form.ranges[source])
    return chosen
