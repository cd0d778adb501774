"""A center's calendar as staff keep it: consultation hours, closures, blocked slots, and the
slot rows those rules expand into over the booking horizon.

Slots are rows so that booking one is a decision the database makes (see bookings.py). They are
refreshed on every rule change and by the scheduler as the horizon rolls forward. A refresh
never drops a booked slot: a slot that the new rules no longer offer is *retired* (never
bookable again) and its bookings are listed for staff to resolve.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from finder.booking.places import open_for_booking
from finder.domain.availability import (
    Availability,
    Closure,
    check_closure_dates,
    parse_availability,
)
from finder.domain.bookings import BOOKED, check_reason
from finder.domain.centers import Center
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.reminders import DEFAULT_HOURS_BEFORE
from finder.domain.slots import expand, horizon_days_range
from finder.storage.models import BookingRow, CalendarRow, ClosureRow, SlotRow


class NoCalendar(DomainError):
    code = "no_calendar"

    def __init__(self) -> None:
        super().__init__("This center has not published consultation hours yet.")


@dataclass(frozen=True)
class Refresh:
    """What one refresh changed."""

    added: int = 0
    retired: int = 0
    removed: int = 0
    reopened: int = 0


@dataclass(frozen=True)
class Displaced:
    """A live booking whose slot the center's current rules no longer hold."""

    booking: BookingRow
    reason: str  # closed | outside_hours | over_capacity | blocked
    detail: str = ""  # the closure's or the block's reason


def availability_of(row: CalendarRow, timezone: str) -> Availability:
    return parse_availability(
        {
            "weekly": row.weekly,
            "slot_minutes": row.slot_minutes,
            "buffer_minutes": row.buffer_minutes,
            "capacity": row.capacity,
            "min_notice_hours": row.min_notice_hours,
            "horizon_days": row.horizon_days,
            "reminder_hours": list(
                DEFAULT_HOURS_BEFORE if row.reminder_hours is None else row.reminder_hours
            ),
        },
        timezone=timezone,
    )


def load_availability(session: Session, center: Center) -> Availability | None:
    row = session.get(CalendarRow, center.id)
    return None if row is None else availability_of(row, center.timezone)


def closures_of(session: Session, center_id: str, *, since: date | None = None) -> list[ClosureRow]:
    query = select(ClosureRow).where(ClosureRow.center_id == center_id)
    if since is not None:
        query = query.where(ClosureRow.end_date >= since)
    return list(session.scalars(query.order_by(ClosureRow.start_date, ClosureRow.id)))


def as_closure(row: ClosureRow) -> Closure:
    return Closure(start=row.start_date, end=row.end_date, reason=row.reason)


def save_availability(
    session: Session, center: Center, availability: Availability, *, now: datetime, by: int | None
) -> Refresh:
    """Store the center's hours and bring its slots in line, in the caller's transaction."""
    row = _locked_calendar(session, center.id)
    if row is None:
        row = CalendarRow(center_id=center.id)
        session.add(row)
    row.weekly = [
        {"day": h.day, "start": h.start.strftime("%H:%M"), "end": h.end.strftime("%H:%M")}
        for h in availability.weekly
    ]
    row.slot_minutes = availability.slot_minutes
    row.buffer_minutes = availability.buffer_minutes
    row.capacity = availability.capacity
    row.min_notice_hours = availability.min_notice_hours
    row.horizon_days = availability.horizon_days
    if availability.reminder_hours is not None:  # not given: keep them (or the defaults)
        row.reminder_hours = list(availability.reminder_hours)
    elif row.reminder_hours is None:
        row.reminder_hours = list(DEFAULT_HOURS_BEFORE)
    row.updated_at = now
    row.updated_by = by
    session.flush()
    return refresh_slots(session, center, now=now)


def add_closure(
    session: Session, center: Center, closure: Closure, *, now: datetime, by: int | None
) -> tuple[ClosureRow, Refresh]:
    """Close the center on the closure's dates, which must lie between today at the center
    and two years beyond its booking horizon (InvalidClosure otherwise)."""
    calendar_row = session.get(CalendarRow, center.id)
    check_closure_dates(
        closure,
        today=now.astimezone(ZoneInfo(center.timezone)).date(),
        horizon_days=calendar_row.horizon_days if calendar_row is not None else 0,
    )
    row = ClosureRow(
        center_id=center.id,
        start_date=closure.start,
        end_date=closure.end,
        reason=closure.reason,
        created_at=now,
        created_by=by,
    )
    session.add(row)
    session.flush()
    return row, refresh_slots(session, center, now=now)


def remove_closure(session: Session, center: Center, closure_id: int, *, now: datetime) -> Refresh:
    row = session.get(ClosureRow, closure_id)
    if row is None or row.center_id != center.id:
        raise UnknownReference("No such closure.")
    session.delete(row)
    session.flush()
    return refresh_slots(session, center, now=now)


def set_blocked(
    session: Session, center_id: str, slot_id: int, *, blocked: bool, reason: str
) -> SlotRow:
    """Block one slot (nobody can book it any more; its bookings stay) or open it again."""
    reason = check_reason(reason)
    slot = session.get(SlotRow, slot_id)
    if slot is None or slot.center_id != center_id:
        raise UnknownReference("No such slot at this center.")
    slot.blocked = blocked
    slot.block_reason = reason if blocked else ""
    session.flush()
    return slot


def refresh_slots(session: Session, center: Center, *, now: datetime) -> Refresh:
    """Make the center's future slot rows match its rules over the horizon."""
    row = _locked_calendar(session, center.id)
    if row is None:
        return Refresh()
    availability = availability_of(row, center.timezone)
    closures = [as_closure(c) for c in closures_of(session, center.id)]
    zone = ZoneInfo(center.timezone)
    first, last = horizon_days_range(now.astimezone(zone).date(), availability)
    wanted = {
        (slot.start, slot.end)
        for slot in expand(availability, closures, first_day=first, last_day=last)
        if slot.start > now
    }
    existing = {
        (slot.start_at, slot.end_at): slot
        for slot in session.scalars(
            select(SlotRow).where(SlotRow.center_id == center.id, SlotRow.start_at > now)
        )
    }
    reopened = retired = 0
    for key, slot in existing.items():
        if key in wanted:
            if slot.retired:
                slot.retired = False
                reopened += 1
            slot.capacity = availability.capacity
        elif not slot.retired:
            slot.retired = True
            retired += 1
    session.add_all(
        SlotRow(
            center_id=center.id,
            start_at=start,
            end_at=end,
            capacity=availability.capacity,
            booked=0,
            blocked=False,
            block_reason="",
            retired=False,
        )
        for start, end in sorted(wanted - existing.keys())
    )
    session.flush()
    # Retired slots nobody ever booked are of no use to anyone: they go.
    removed = session.execute(  # type: ignore[attr-defined]
        delete(SlotRow)
        .where(
            SlotRow.center_id == center.id,
            SlotRow.start_at > now,
            SlotRow.retired.is_(True),
            SlotRow.booked == 0,
            ~exists().where(BookingRow.slot_id == SlotRow.id),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire_all()
    return Refresh(
        added=len(wanted - existing.keys()),
        retired=retired - removed,
        removed=removed,
        reopened=reopened,
    )


def refresh_all(session: Session, centers: Iterable[Center], *, now: datetime) -> int:
    """Refresh every center with hours, one transaction each; the number of slots added."""
    added = 0
    by_id = {center.id: center for center in centers}
    for center_id in list(session.scalars(select(CalendarRow.center_id))):
        center = by_id.get(center_id)
        if center is None:
            continue
        added += refresh_slots(session, center, now=now).added
        session.commit()
    return added


def _locked_calendar(session: Session, center_id: str) -> CalendarRow | None:
    """The calendar row, locked on PostgreSQL so two refreshes of a center take turns."""
    return session.scalars(
        select(CalendarRow).where(CalendarRow.center_id == center_id).with_for_update()
    ).first()


def free_slots(
    session: Session,
    center: Center,
    *,
    first_day: date,
    last_day: date,
    now: datetime,
    limit: int = 500,
) -> list[SlotRow]:
    """Slots of the center a provider can book now, on the local dates given."""
    availability = load_availability(session, center)
    if availability is None:
        return []
    zone = ZoneInfo(center.timezone)
    start = _local_midnight(first_day, zone)
    end = _local_midnight(last_day + timedelta(days=1), zone)
    earliest = max(start, now + timedelta(hours=availability.min_notice_hours))
    _, horizon_last = horizon_days_range(now.astimezone(zone).date(), availability)
    end = min(end, _local_midnight(horizon_last + timedelta(days=1), zone))
    return list(
        session.scalars(
            _free(now)
            .where(SlotRow.center_id == center.id, SlotRow.start_at >= earliest)
            .where(SlotRow.start_at < end)
            .order_by(SlotRow.start_at)
            .limit(limit)
        )
    )


def next_free(session: Session, centers: Sequence[Center], *, now: datetime) -> dict[str, datetime]:
    """Each center's first bookable slot start, for the given centers, in one query."""
    rows = session.execute(
        select(CalendarRow.center_id, CalendarRow.min_notice_hours, CalendarRow.horizon_days).where(
            CalendarRow.center_id.in_([c.id for c in centers])
        )
    ).all()
    if not rows:
        return {}
    conditions = [
        and_(
            SlotRow.center_id == center_id,
            SlotRow.start_at >= now + timedelta(hours=notice),
            SlotRow.start_at < now + timedelta(days=horizon + 1),
        )
        for center_id, notice, horizon in rows
    ]
    found = session.execute(
        _free(now)
        .with_only_columns(SlotRow.center_id, func.min(SlotRow.start_at))
        .where(or_(*conditions))
        .group_by(SlotRow.center_id)
    ).all()
    return {center_id: _utc(start) for center_id, start in found if start is not None}


def _free(now: datetime) -> Select[SlotRow]:
    """Slots with a place neither booked nor held (see places.py)."""
    return select(SlotRow).where(*open_for_booking(now))


def week_slots(session: Session, center: Center, monday: date) -> list[SlotRow]:
    """Every slot row of the local week starting `monday`, retired ones with bookings included."""
    zone = ZoneInfo(center.timezone)
    return list(
        session.scalars(
            select(SlotRow)
            .where(
                SlotRow.center_id == center.id,
                SlotRow.start_at >= _local_midnight(monday, zone),
                SlotRow.start_at < _local_midnight(monday + timedelta(days=7), zone),
            )
            .order_by(SlotRow.start_at, SlotRow.end_at)
        )
    )


def displaced(session: Session, center: Center, *, now: datetime) -> list[Displaced]:
    """Live future bookings the current rules no longer hold, with why, earliest first."""
    rows = session.scalars(
        select(BookingRow)
        .join(SlotRow, BookingRow.slot_id == SlotRow.id)
        .where(
            BookingRow.center_id == center.id,
            BookingRow.status == BOOKED,
            SlotRow.start_at > now,
            or_(
                SlotRow.retired.is_(True),
                SlotRow.blocked.is_(True),
                SlotRow.booked > SlotRow.capacity,
            ),
        )
        .order_by(SlotRow.start_at, BookingRow.id)
    ).all()
    if not rows:
        return []
    zone = ZoneInfo(center.timezone)
    closures = [as_closure(c) for c in closures_of(session, center.id)]
    found = []
    kept: dict[int, int] = {}  # slot id -> bookings that still fit its capacity
    for booking in rows:
        slot = booking.slot
        local_day = slot.start_at.astimezone(zone).date()
        closure = next((c for c in closures if c.covers(local_day)), None)
        if slot.retired and closure is not None:
            found.append(Displaced(booking, "closed", closure.reason))
        elif slot.retired:
            found.append(Displaced(booking, "outside_hours"))
        elif slot.blocked:
            found.append(Displaced(booking, "blocked", slot.block_reason))
        elif kept.setdefault(slot.id, 0) < slot.capacity:
            kept[slot.id] += 1  # the earliest bookings keep their places; the rest are listed
        else:
            found.append(Displaced(booking, "over_capacity"))
    return found


def bookings_between(
    session: Session, center_id: str, start: datetime, end: datetime
) -> list[BookingRow]:
    """The center's bookings (any status) whose slot starts in [start, end)."""
    return list(
        session.scalars(
            select(BookingRow)
            .join(SlotRow, BookingRow.slot_id == SlotRow.id)
            .where(
                BookingRow.center_id == center_id,
                SlotRow.start_at >= start,
                SlotRow.start_at < end,
            )
            .order_by(SlotRow.start_at, BookingRow.id)
        )
    )


def local_day_bounds(first_day: date, last_day: date, timezone: str) -> tuple[datetime, datetime]:
    """The instants from local midnight of first_day to local midnight after last_day."""
    zone = ZoneInfo(timezone)
    return _local_midnight(first_day, zone), _local_midnight(last_day + timedelta(days=1), zone)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
