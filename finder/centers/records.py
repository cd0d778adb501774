"""Reading and replacing the centers catalog."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.centers.changes import catalog_changed
from finder.domain.centers import Address, Center
from finder.storage.models import CatalogRevision, CenterRow


def replace_centers(session: Session, centers: Sequence[Center], *, now: datetime) -> int:
    """Make the catalog hold exactly these centers; absent ones are deactivated, not deleted."""
    existing = {row.id: row for row in session.scalars(select(CenterRow))}
    for center in centers:
        row = existing.pop(center.id, None) or CenterRow(id=center.id)
        _copy_into(row, center, now)
        session.add(row)
    for row in existing.values():
        row.active = False
        row.updated_at = now
    state = session.get(CatalogRevision, 1) or CatalogRevision(id=1, revision=0)
    state.revision += 1
    state.loaded_at = now
    session.add(state)
    catalog_changed(session)
    return state.revision


def active_centers(session: Session) -> list[Center]:
    rows = session.scalars(select(CenterRow).where(CenterRow.active).order_by(CenterRow.id))
    return [_to_center(row) for row in rows]


def catalog_revision(session: Session) -> int:
    return session.scalar(select(CatalogRevision.revision).where(CatalogRevision.id == 1)) or 0


def _copy_into(row: CenterRow, center: Center, now: datetime) -> None:
    row.name = center.name
    row.street = center.address.street
    row.city = center.address.city
    row.state = center.address.state
    row.zip = center.address.zip
    row.lat = center.lat
    row.lon = center.lon
    row.phone = center.phone
    row.website = center.website
    row.timezone = center.timezone
    row.products = list(center.products)
    row.indications = list(center.indications)
    row.populations = list(center.populations)
    row.source = center.source
    row.verified_on = center.verified_on
    row.active = True
    row.updated_at = now


def _to_center(row: CenterRow) -> Center:
    return Center(
        id=row.id,
        name=row.name,
        address=Address(row.street, row.city, row.state, row.zip),
        lat=row.lat,
        lon=row.lon,
        phone=row.phone,
        website=row.website,
        timezone=row.timezone,
        products=tuple(row.products),
        indications=tuple(row.indications),
        populations=tuple(row.populations),
        source=row.source,
        verified_on=row.verified_on,
    )
