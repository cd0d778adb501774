"""Who sees a patient's record: the provider who made it, the staff of its center, admins."""

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import InstrumentedAttribute

from finder.domain.accounts import Actor, Role


def visible_to(
    actor: Actor, *, provider_id: InstrumentedAttribute[int], center_id: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """The condition on a record's provider and center columns that keeps it to its tenants."""
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.STAFF:
        return center_id.in_(sorted(actor.center_ids))
    return provider_id == actor.user_id
