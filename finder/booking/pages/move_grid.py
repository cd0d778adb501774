"""Moving a booking by picking on a week grid: the days of one week as columns, the times of
day as rows, each free slot a choice; the current slot, slots within the notice and full ones
shown but not offered. The grid only shows: the move use case decides, as it always did.

Shared by the provider's booking page and the staff's, in the center's own time.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort
from flask_babel import gettext
from sqlalchemy.orm import Session

from finder.booking import calendar
from finder.domain.centers import Center
from finder.domain.slots import horizon_days_range
from finder.storage.models import BookingRow, SlotRow
from finder.web.local_times import clock_text, day_text, same_clock, short_day_text

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FREE, CURRENT, FULL, SOON, PAST, CLOSED, NONE = (
    "free", "current", "full", "soon", "past", "closed", "none",
)  # fmt: skip


@dataclass(frozen=True)
class Cell:
    """One time of one day: a slot to pick, or why it cannot be picked (NONE: no slot)."""

    state: str
    slot_id: int = 0
    clock: str = ""  # in the center's zone, e.g. "09:00 EST"
    theirs: str | None = None  # in the provider's zone, when it differs
    places: int = 0  # places left, for a free slot


@dataclass(frozen=True)
class Column:
    day: date
    label: str  # "Tue 16 Mar"
    cells: list[Cell]  # one per row of the grid

    @property
    def open(self) -> bool:
        return any(cell.state in (FREE, CURRENT) for cell in self.cells)


@dataclass(frozen=True)
class MoveGrid:
    monday: date
    label: str  # "Mon 15 Mar 2027"
    times: list[str]  # the rows' headings, the center's clock
    columns: list[Column]
    previous_week: date | None
    next_week: date | None

    @property
    def free(self) -> int:
        return sum(cell.state == FREE for column in self.columns for cell in column.cells)


def asked_week(text: str | None) -> date | None:
    """The date of the `week` parameter (any day of the week), None when not given."""
    if not text:
        return None
    try:
        if _DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    abort(400, description=gettext("Weeks are written YYYY-MM-DD."))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _state(
    slot: SlotRow, booking: BookingRow, free: set[int], now: datetime, soon: datetime
) -> str:
    if slot.id == booking.slot_id:
        return CURRENT
    if slot.id in free:
        return FREE
    if slot.start_at <= now:
        return PAST
    if slot.retired or slot.blocked:
        return CLOSED
    if slot.booked >= slot.capacity:
        return FULL
    return SOON if slot.start_at < soon else CLOSED  # else: beyond the booking horizon


def move_grid(
    session: Session,
    center: Center,
    booking: BookingRow,
    *,
    week: date | None,
    now: datetime,
    zone: str | None = None,
) -> MoveGrid | None:
    """The grid of the week holding `week` (else the booking's own week), kept between this
    week and the booking horizon; None when the center publishes no hours."""
    availability = calendar.load_availability(session, center)
    if availability is None:
        return None
    local = ZoneInfo(center.timezone)
    today = now.astimezone(local).date()
    _, last_day = horizon_days_range(today, availability)
    first, last = _monday(today), _monday(last_day)
    booked_day = booking.slot.start_at.astimezone(local).date()
    monday = min(max(_monday(week or booked_day), first), last)
    sunday = monday + timedelta(days=6)
    free = {
        slot.id
        for slot in calendar.free_slots(
            session, center, first_day=monday, last_day=sunday, now=now, limit=1000
        )
    }
    soon = now + timedelta(hours=availability.min_notice_hours)
    shown = [
        slot
        for slot in calendar.week_slots(session, center, monday)
        if not slot.retired or slot.id == booking.slot_id
    ]
    rows: dict[time, str] = {}
    cells: dict[tuple[date, time], Cell] = {}
    for slot in shown:
        start = slot.start_at.astimezone(local)
        key = start.time()
        clock = clock_text(slot.start_at, center.timezone)
        rows.setdefault(key, clock)
        theirs = (
            None
            if same_clock(slot.start_at, center.timezone, zone)
            else clock_text(slot.start_at, zone or center.timezone)
        )
        state = _state(slot, booking, free, now, soon)
        cells.setdefault(
            (start.date(), key),
            Cell(state, slot.id, clock, theirs, max(slot.capacity - slot.booked, 0)),
        )
    times = sorted(rows)
    columns = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        noon = datetime.combine(day, time(12), tzinfo=local)
        columns.append(
            Column(
                day,
                short_day_text(noon, center.timezone),
                [cells.get((day, at), Cell(NONE)) for at in times],
            )
        )
    return MoveGrid(
        monday=monday,
        label=day_text(datetime.combine(monday, time(12), tzinfo=local), center.timezone),
        times=[rows[at] for at in times],
        columns=columns,
        previous_week=monday - timedelta(days=7) if monday > first else None,
        next_week=monday + timedelta(days=7) if monday < last else None,
    )
