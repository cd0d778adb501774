"""The days of the calendar a request may name."""

from datetime import date

# Far from year 1 and year 9999: a range of days after or before any of them, or its midnight in
# any time zone, is still a day of the calendar.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
OUT_OF_RANGE = f"must be between {FIRST_DAY} and {LAST_DAY}"


def in_range(day: date) -> bool:
    """Whether the service takes this day at all (its own rules may narrow it further)."""
    return FIRST_DAY <= day <= LAST_DAY
