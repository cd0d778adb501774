"""Consultation slots: weekly hours expanded into UTC instants date by date in the center's zone,
and the rules that say whether a slot may still be booked."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from finder.domain.availability import Availability, Closure
from finder.domain.errors import DomainError


@dataclass(frozen=True, order=True)
class SlotTime:
    """When one consultation slot runs, as aware UTC instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.utcoffset() != timedelta(0) or self.end.utcoffset() != timedelta(0):
            raise ValueError("slot times are aware UTC instants")


_MINUTE = timedelta(minutes=1)  # hours and slot lengths are whole minutes


class SlotNotBookable(DomainError):
    """A slot that exists but may not be booked now; each reason has its own code."""

    code = "slot_not_bookable"


class SlotInPast(SlotNotBookable):
    code = "slot_in_past"

    def __init__(self) -> None:
        super().__init__("This slot has already started.")


class InsideMinimumNotice(SlotNotBookable):
    code = "inside_minimum_notice"

    def __init__(self, hours: int) -> None:
        super().__init__(f"This center needs at least {hours} hour(s) notice for a booking.")


class BeyondHorizon(SlotNotBookable):
    code = "beyond_horizon"

    def __init__(self, days: int) -> None:
        super().__init__(f"This center takes bookings at most {days} day(s) ahead.")


class CenterClosed(SlotNotBookable):
    code = "center_closed"

    def __init__(self, closure: Closure) -> None:
        super().__init__(f"The center is closed on this date: {closure.reason}")


def horizon_days_range(today_local: date, availability: Availability) -> tuple[date, date]:
    """The local dates to expand: today through `horizon_days` days ahead, inclusive."""
    return today_local, today_local + timedelta(days=availability.horizon_days)


def expand(
    availability: Availability,
    closures: Iterable[Closure],
    *,
    first_day: date,
    last_day: date,
) -> list[SlotTime]:
    """Every slot on the local dates first_day..last_day, closed dates left out, sorted."""
    zone = ZoneInfo(availability.timezone)
    closures = tuple(closures)
    length = timedelta(minutes=availability.slot_minutes)
    step = length + timedelta(minutes=availability.buffer_minutes)
    slots: set[SlotTime] = set()
    day = first_day
    while day <= last_day:
        if not any(closure.covers(day) for closure in closures):
            for hours in availability.hours_on(day):
                start = datetime.combine(day, hours.start)
                closing = datetime.combine(day, hours.end)
                while start + length <= closing:
                    slot = _slot(start, start + length, zone, length)
                    if slot is not None:
                        slots.add(slot)
                    start += step
        day += timedelta(days=1)
    return sorted(slots)


# DST edges. Slots are cut on the local wall clock (09:00 stays 09:00 all year) and each
# wall-clock start and end is then read in the zone. A slot is offered only when every minute
# of it is shown on the center's clocks and it really lasts slot_minutes:
# - a start that does not exist (the spring-forward gap, 02:00-02:59 on 14 March 2027 in
#   New York) yields no slot; nor does an end inside the gap, as 01:30-02:15 would really
#   run to 03:15 and overlap the 03:00 slot. An end exactly at the jump is fine: 01:30-02:00
#   is the real half hour that ends when the clocks go forward (02:00 EST = 03:00 EDT).
# - a start that occurs twice (the fall-back hour, 01:00-01:59 on 7 November 2027) yields
#   exactly one slot: the first occurrence (fold=0) when that slot really lasts slot_minutes.
#   When it does not, because the wall-clock end lies after the transition (01:30-02:00 is
#   90 real minutes from the first 01:30), the second occurrence (fold=1) is used, which
#   does; never both, so no instant is offered twice and no slot overlaps another.
# - a slot whose real (UTC) length is not slot_minutes in either reading, because it spans
#   the whole transition (00:30-03:30 is 2 real hours in March, 4 in November), is dropped.
def _slot(start: datetime, end: datetime, zone: ZoneInfo, length: timedelta) -> SlotTime | None:
    if not (_exists(start, zone) and _exists(end - _MINUTE, zone)):
        return None
    for fold in (0, 1):
        utc_start = start.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        utc_end = end.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if utc_end - utc_start == length:
            return SlotTime(utc_start, utc_end)
    return None


def _exists(wall_clock: datetime, zone: ZoneInfo) -> bool:
    """Whether the zone's clocks ever show this wall-clock time."""
    back = wall_clock.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None) == wall_clock


def check_bookable(
    slot_start: datetime,
    *,
    now: datetime,
    availability: Availability,
    closures: Iterable[Closure] = (),
) -> None:
    """Raise the SlotNotBookable that applies to a slot starting then, or return quietly.

    A slot starting exactly at the notice limit is bookable; one starting exactly now is past.
    The horizon counts local dates, as horizon_days_range does.
    """
    if slot_start <= now:
        raise SlotInPast()
    if slot_start < now + timedelta(hours=availability.min_notice_hours):
        raise InsideMinimumNotice(availability.min_notice_hours)
    zone = ZoneInfo(availability.timezone)
    local_day = slot_start.astimezone(zone).date()
    _, last_day = horizon_days_range(now.astimezone(zone).date(), availability)
    if local_day > last_day:
        raise BeyondHorizon(availability.horizon_days)
    for closure in closures:
        if closure.covers(local_day):
            raise CenterClosed(closure)


def bookable(
    slot_start: datetime,
    *,
    now: datetime,
    availability: Availability,
    closures: Iterable[Closure] = (),
) -> bool:
    """Whether a slot starting then may be booked now."""
    try:
        check_bookable(slot_start, now=now, availability=availability, closures=closures)
    except SlotNotBookable:
        return False
    return True


def outside_hours(
    bookings_starts: Iterable[datetime], new_slots: Iterable[SlotTime]
) -> list[datetime]:
    """The booked starts that no slot of the new hours matches, in the order given.

    Staff resolve these by hand after changing hours; nothing is dropped silently. Pass slots
    expanded over every date the bookings fall on. Naive datetimes are refused, not guessed.
    """
    open_starts = {slot.start for slot in new_slots}
    displaced = []
    for start in bookings_starts:
        if start.utcoffset() is None:
            raise ValueError("booked starts are aware instants")
        if start.astimezone(UTC) not in open_starts:
            displaced.append(start)
    return displaced
