"""Reading and replacing the centers catalog, with each center's product claims."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.centers.changes import catalog_changed
from finder.domain.center_profile import FILE_FIELDS
from finder.domain.centers import Address, Center
from finder.domain.claims import ClaimStatus, ProductClaim, ReferralContact
from finder.storage.models import CatalogRevision, CenterClaimRow, CenterRow

# What a load compares, field by field, to say what it would change.
_COMPARED = (
    "name", "address", "lat", "lon", "phone", "website", "timezone",
    "products", "indications", "populations", "source", "verified_on", "claims",
)  # fmt: skip


@dataclass
class LoadPlan:
    """What loading a file would do: centers added, changed (with the fields), deactivated,
    and conflicts with what a center confirmed (any conflict: the load changes nothing)."""

    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    deactivated: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def plan_load(session: Session, centers: Sequence[Center]) -> LoadPlan:
    """Compare the file's centers with the stored ones."""
    plan = LoadPlan()
    stored = {row.id: row for row in session.scalars(select(CenterRow))}
    claims = _claims_by_center(session)
    for center in centers:
        row = stored.pop(center.id, None)
        if row is None:
            plan.added.append(center.id)
            continue
        current = _to_center(row, claims.get(row.id, ()))
        fields = [
            name
            for name in _COMPARED
            if _comparable(getattr(center, name)) != _comparable(getattr(current, name))
        ]
        if not row.active:
            fields.insert(0, "active")
        for name, value in (row.confirmed or {}).items():
            if name in FILE_FIELDS and _file_value(center, name) != value:
                plan.conflicts.append(
                    f"{center.id}: {name}: the center confirmed {_words(value)}; "
                    f"the file has {_words(_file_value(center, name))}"
                )
        if fields:
            plan.changed[center.id] = fields
    for row in stored.values():
        if row.active:
            plan.deactivated.append(row.id)
            if row.confirmed:
                plan.conflicts.append(
                    f"{row.id}: the file leaves out a center whose staff confirmed "
                    f"{', '.join(sorted(row.confirmed))}"
                )
    return plan


def replace_centers(session: Session, centers: Sequence[Center], *, now: datetime) -> int:
    """Make the catalog hold exactly these centers; absent ones are deactivated, not deleted.
    What a center confirmed stays (plan_load reports where the file disagrees)."""
    existing = {row.id: row for row in session.scalars(select(CenterRow))}
    claims = _claim_rows_by_center(session)
    rows = []
    for center in centers:
        row = existing.pop(center.id, None) or CenterRow(id=center.id, confirmed={})
        _copy_into(row, center, now)
        session.add(row)
        rows.append(row)
    session.flush()  # the centers before their claims
    for row, center in zip(rows, centers, strict=True):
        _replace_claims(session, row, center.claims, claims.get(center.id, []))
    for row in existing.values():
        row.active = False
        row.updated_at = now
    return bump_revision(session, now)


def bump_revision(session: Session, now: datetime) -> int:
    """Tell every process the catalog changed, so its next search sees it."""
    state = session.get(CatalogRevision, 1) or CatalogRevision(id=1, revision=0)
    state.revision += 1
    state.loaded_at = now
    session.add(state)
    catalog_changed(session)
    return state.revision


def active_centers(session: Session) -> list[Center]:
    rows = session.scalars(select(CenterRow).where(CenterRow.active).order_by(CenterRow.id))
    claims = _claims_by_center(session)
    return [_to_center(row, claims.get(row.id, ())) for row in rows]


def center_record(session: Session, center_id: str) -> CenterRow | None:
    """The stored row of an active center."""
    row = session.get(CenterRow, center_id)
    return row if row is not None and row.active else None


def stored_center(session: Session, row: CenterRow) -> Center:
    claims = session.scalars(select(CenterClaimRow).where(CenterClaimRow.center_id == row.id))
    return _to_center(row, [_claim(claim) for claim in claims])


def claim_rows(session: Session, center_id: str) -> dict[str, CenterClaimRow]:
    rows = session.scalars(select(CenterClaimRow).where(CenterClaimRow.center_id == center_id))
    return {row.product: row for row in rows}


def catalog_revision(session: Session) -> int:
    return session.scalar(select(CatalogRevision.revision).where(CatalogRevision.id == 1)) or 0


def _replace_claims(
    session: Session, row: CenterRow, claims: Sequence[ProductClaim], stored: list[CenterClaimRow]
) -> None:
    by_product = {claim.product: claim for claim in stored}
    wanted = {claim.product: claim for claim in claims}
    for product, claim_row in by_product.items():
        if claim_row.status == "confirmed":
            continue  # the center's own word stays
        if product not in wanted:
            session.delete(claim_row)
    for product, claim in wanted.items():
        found = by_product.get(product)
        if found is not None and found.status == "confirmed":
            continue
        claim_row = found or CenterClaimRow(center_id=row.id, product=product)
        claim_row.status = claim.status
        claim_row.source = claim.source
        claim_row.checked_on = claim.checked_on
        session.add(claim_row)


def _copy_into(row: CenterRow, center: Center, now: datetime) -> None:
    confirmed = row.confirmed or {}
    row.name = center.name
    row.street = center.address.street
    row.city = center.address.city
    row.state = center.address.state
    row.zip = center.address.zip
    row.lat = center.lat
    row.lon = center.lon
    if "phone" not in confirmed:
        row.phone = center.phone
    row.website = center.website
    row.timezone = center.timezone
    if "products" not in confirmed:
        row.products = list(center.products)
    row.indications = list(center.indications)
    if "populations" not in confirmed:
        row.populations = list(center.populations)
    row.source = center.source
    row.verified_on = center.verified_on
    row.active = True
    row.updated_at = now


def _to_center(row: CenterRow, claims: Sequence[ProductClaim]) -> Center:
    order = {product: index for index, product in enumerate(row.products)}
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
        claims=tuple(
            sorted(
                (claim for claim in claims if claim.product in order),
                key=lambda claim: order[claim.product],
            )
        ),
        accepting_referrals=row.accepting_referrals,
        referral_contact=ReferralContact(
            row.referral_phone or "", row.referral_fax or "", row.referral_email or ""
        ),
        outpatient=row.outpatient,
        languages=tuple(row.languages or ()),
    )


def _claims_by_center(session: Session) -> dict[str, list[ProductClaim]]:
    claims: dict[str, list[ProductClaim]] = {}
    for row in session.scalars(select(CenterClaimRow).order_by(CenterClaimRow.id)):
        claims.setdefault(row.center_id, []).append(_claim(row))
    return claims


def _claim_rows_by_center(session: Session) -> dict[str, list[CenterClaimRow]]:
    rows: dict[str, list[CenterClaimRow]] = {}
    for row in session.scalars(select(CenterClaimRow)):
        rows.setdefault(row.center_id, []).append(row)
    return rows


def _claim(row: CenterClaimRow) -> ProductClaim:
    status: ClaimStatus = row.status  # type: ignore[assignment]
    return ProductClaim(row.product, status, row.source, row.checked_on)


def _file_value(center: Center, name: str) -> Any:
    return list(getattr(center, name)) if name != "phone" else center.phone


def _comparable(value: Any) -> Any:
    if isinstance(value, tuple):
        return sorted(map(str, value))
    return value


def _words(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    return str(value) if value else "none"
