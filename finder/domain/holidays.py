"""The US federal holidays (legal public holidays, 5 U.S.C. § 6103(a)) on the days federal
offices observe them: a holiday on a Saturday is observed the Friday before, on a Sunday the
Monday after. Offered to a center's staff as closures; a center decides which it keeps.

Sources (checked 2026-12-06):
- https://legalclarity.org/what-are-the-official-federal-holidays-under-5-u-s-c-6103b
  (the eleven holidays, their dates, and the weekend rule)
- https://www.ca6.uscourts.gov/federal-holidays (the weekend rule, as OPM states it)
"""

from dataclasses import dataclass
from datetime import date, timedelta

MON, THU = 0, 3


@dataclass(frozen=True)
class Holiday:
    name: str
    day: date  # the day observed


def _nth(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last(year: int, month: int, weekday: int) -> date:
    after = date(year + (month == 12), month % 12 + 1, 1)
    last = after - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def federal_holidays(year: int) -> list[Holiday]:
    """The year's eleven holidays, by the day observed."""
    return [
        Holiday("New Year's Day", _observed(date(year, 1, 1))),
        Holiday("Birthday of Martin Luther King, Jr.", _nth(year, 1, MON, 3)),
        Holiday("Washington's Birthday", _nth(year, 2, MON, 3)),
        Holiday("Memorial Day", _last(year, 5, MON)),
        Holiday("Juneteenth National Independence Day", _observed(date(year, 6, 19))),
        Holiday("Independence Day", _observed(date(year, 7, 4))),
        Holiday("Labor Day", _nth(year, 9, MON, 1)),
        Holiday("Columbus Day", _nth(year, 10, MON, 2)),
        Holiday("Veterans Day", _observed(date(year, 11, 11))),
        Holiday("Thanksgiving Day", _nth(year, 11, THU, 4)),
        Holiday("Christmas Day", _observed(date(year, 12, 25))),
    ]


def holidays_between(first: date, last: date) -> list[Holiday]:
    """The holidays observed from `first` to `last`, both included, in order."""
    found = [
        holiday
        for year in range(first.year, last.year + 1)
        for holiday in federal_holidays(year)
        if first <= holiday.day <= last
    ]
    return sorted(found, key=lambda holiday: holiday.day)


def holidays_to_offer(today: date, closures: list[tuple[date, date]]) -> list[Holiday]:
    """The holidays of the coming year not already inside one of the (first, last) closures."""
    return [
        holiday
        for holiday in holidays_between(today, today + timedelta(days=365))
        if not any(first <= holiday.day <= last for first, last in closures)
    ]
