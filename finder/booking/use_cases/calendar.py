"""The center's calendar, changed by its staff: weekly hours, closures and blocked slots.

Each change is audited under its one name (`calendar_hours_changed`, `closure_added`,
`closure_removed`, `slot_blocked`, `slot_unblocked`) and answers the bookings it leaves
without a place, computed one way for every door.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from finder.booking import calendar
from finder.booking.bookings import ChangeNotAllowed
from finder.booking.calendar import Displaced, Refresh
from finder.domain.accounts import Actor
from finder.domain.availability import Availability, Closure
from finder.domain.bookings import check_reason
from finder.domain.centers import Center
from finder.events import BookingsDisplaced, PlaceFreed
from finder.storage.models import CalendarRow, ClosureRow, SlotRow
from finder.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class HoursChanged:
    refresh: Refresh
    displaced: list[Displaced]  # every live booking the calendar no longer holds


@dataclass(frozen=True)
class ClosureAdded:
    closure: ClosureRow
    falling: list[Displaced]  # the live bookings on the closure's dates


def _authorize(actor: Actor, center: Center) -> None:
    if not actor.reaches_center(center.id):
        raise ChangeNotAllowed()


def _audit(
    uow: UnitOfWork, action: str, target_type: str, target_id: object, center: Center
) -> None:
    uow.audit(action, target_type=target_type, target_id=target_id, center_id=center.id)


def _tell(uow: UnitOfWork, displaced: list[Displaced]) -> None:
    """Each displaced booking's provider is told it needs a new time (once per lost place)."""
    if displaced:
        uow.publish(BookingsDisplaced(tuple(item.booking for item in displaced), now=uow.now))


def change_hours(
    uow: UnitOfWork, actor: Actor, center: Center, availability: Availability
) -> HoursChanged:
    """Publish the weekly hours; the slots over the horizon follow before this returns."""
    _authorize(actor, center)
    refresh = calendar.save_availability(
        uow.session, center, availability, now=uow.now, by=actor.user_id
    )
    _audit(uow, "calendar_hours_changed", "center", center.id, center)
    displaced = calendar.displaced(uow.session, center, now=uow.now)
    uow.publish(PlaceFreed(center.id, (), now=uow.now))
    _tell(uow, displaced)
    uow.commit()
    return HoursChanged(refresh, displaced)


def add_closure(uow: UnitOfWork, actor: Actor, center: Center, closure: Closure) -> ClosureAdded:
    """Close the center on a date or a range of dates; the bookings on them are answered."""
    _authorize(actor, center)
    row, _ = calendar.add_closure(uow.session, center, closure, now=uow.now, by=actor.user_id)
    _audit(uow, "closure_added", "closure", row.id, center)
    zone = ZoneInfo(center.timezone)
    falling = [
        item
        for item in calendar.displaced(uow.session, center, now=uow.now)
        if item.reason == "closed"
        and closure.covers(item.booking.slot.start_at.astimezone(zone).date())
    ]
    _tell(uow, falling)
    uow.commit()
    return ClosureAdded(row, falling)


def remove_closure(uow: UnitOfWork, actor: Actor, center: Center, closure_id: int) -> Refresh:
    """Remove a closure; its dates are offered again."""
    _authorize(actor, center)
    refresh = calendar.remove_closure(uow.session, center, closure_id, now=uow.now)
    _audit(uow, "closure_removed", "closure", closure_id, center)
    uow.publish(PlaceFreed(center.id, (), now=uow.now))
    uow.commit()
    return refresh


def block_slot(
    uow: UnitOfWork, actor: Actor, center: Center, slot_id: int, *, blocked: bool, reason: object
) -> SlotRow:
    """Block one slot (its bookings stay; nobody can book it) or open it again."""
    _authorize(actor, center)
    said = check_reason(reason)
    slot = calendar.set_blocked(uow.session, center.id, slot_id, blocked=blocked, reason=said)
    kept = uow.session.get(CalendarRow, center.id)
    if kept is not None:
        kept.updated_at = uow.now  # the calendar changed (the published slots say so)
    _audit(uow, "slot_blocked" if blocked else "slot_unblocked", "slot", slot.id, center)
    if not blocked:
        uow.publish(PlaceFreed(center.id, (slot.id,), now=uow.now))
    uow.commit()
    return slot
