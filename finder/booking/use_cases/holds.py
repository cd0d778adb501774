"""Holding a slot while its booking form is filled in, and letting it go: each once."""

from finder.booking import holds
from finder.domain.accounts import Actor, Role
from finder.domain.bookings import MAX_ID
from finder.domain.errors import UnknownReference
from finder.domain.ranking import CenterIndex
from finder.storage.models import HoldRow, SlotRow
from finder.unit_of_work import UnitOfWork


def hold_slot(
    uow: UnitOfWork, actor: Actor, slot_id: int, *, centers: CenterIndex, seconds: int
) -> HoldRow:
    """Keep a place of the slot for the provider for `seconds` (SlotTaken if none is free)."""
    slot = uow.session.get(SlotRow, slot_id) if 1 <= slot_id <= MAX_ID else None
    if slot is None:
        raise UnknownReference("No such slot.")
    hold = holds.take_hold(
        uow.session,
        centers.get(slot.center_id),
        slot,
        provider_id=actor.user_id,
        now=uow.now,
        seconds=seconds,
    )
    uow.audit("slot_held", target_type="slot", target_id=slot.id, center_id=slot.center_id)
    uow.commit()
    return hold


def release_hold(uow: UnitOfWork, actor: Actor, hold_id: str) -> None:
    """Give the held place back (the provider's own hold; an admin any)."""
    owner = None if actor.role is Role.ADMIN else actor.user_id
    hold = holds.find_hold(uow.session, hold_id, provider_id=owner)
    slot_id = hold.slot_id
    slot = uow.session.get(SlotRow, slot_id)
    center_id = slot.center_id if slot is not None else None
    holds.release(uow.session, hold)
    uow.audit("hold_released", target_type="slot", target_id=slot_id, center_id=center_id)
    uow.commit()
