"""A center's profile rows: changing one field, its claims, and the history of changes."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.centers.records import claim_rows
from finder.domain.claims import CONFIRMED_SOURCE
from finder.storage.models import CenterChangeRow, CenterClaimRow, CenterRow, UserRow


def current_value(row: CenterRow, field: str) -> Any:
    value = getattr(row, field)
    return list(value) if isinstance(value, list | tuple) else value


def set_field(
    session: Session, row: CenterRow, field: str, value: Any, *, today: date
) -> list[dict[str, Any]] | None:
    """Set one field; products become `confirmed` claims (those dropped lose their claim).
    Returns the claims before a change of products, else None."""
    before_claims = None
    if field == "products":
        stored = claim_rows(session, row.id)
        before_claims = [_claim_json(claim) for claim in stored.values()]
        for product, claim in stored.items():
            if product not in value:
                session.delete(claim)
        for product in value:
            claim = stored.get(product) or CenterClaimRow(center_id=row.id, product=product)
            claim.status, claim.source, claim.checked_on = "confirmed", CONFIRMED_SOURCE, today
            session.add(claim)
    setattr(row, field, list(value) if isinstance(value, list) else value)
    return before_claims


def restore_claims(session: Session, row: CenterRow, claims: list[dict[str, Any]]) -> None:
    """Put back the claims a change of products replaced, with their own sources."""
    for claim in claim_rows(session, row.id).values():
        session.delete(claim)
    session.flush()
    for item in claims:
        checked = item.get("checked_on")
        session.add(
            CenterClaimRow(
                center_id=row.id,
                product=item["product"],
                status=item["status"],
                source=item["source"],
                checked_on=date.fromisoformat(checked) if checked else None,
            )
        )


def confirm(row: CenterRow, field: str, value: Any) -> None:
    row.confirmed = {**(row.confirmed or {}), field: value}  # a new dict: the JSON is rewritten


def unconfirm(row: CenterRow, field: str) -> None:
    row.confirmed = {k: v for k, v in (row.confirmed or {}).items() if k != field}


def add_change(
    session: Session,
    row: CenterRow,
    *,
    field: str,
    before: Any,
    after: Any,
    actor: UserRow | None,
    at: datetime,
    claims_before: list[dict[str, Any]] | None = None,
    revert_of: int | None = None,
) -> CenterChangeRow:
    change = CenterChangeRow(
        center_id=row.id,
        at=at,
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else "",
        field=field,
        before=before,
        after=after,
        claims_before=claims_before,
        revert_of=revert_of,
    )
    session.add(change)
    session.flush()
    return change


def changes_of(session: Session, center_id: str) -> list[CenterChangeRow]:
    """Every change of the center's profile, newest first."""
    query = (
        select(CenterChangeRow)
        .where(CenterChangeRow.center_id == center_id)
        .order_by(CenterChangeRow.id.desc())
    )
    return list(session.scalars(query))


def change_of(session: Session, center_id: str, change_id: int) -> CenterChangeRow | None:
    change = session.get(CenterChangeRow, change_id)
    return change if change is not None and change.center_id == center_id else None


def confirmed_earlier(session: Session, change: CenterChangeRow) -> bool:
    """Whether the value before this change was itself set by staff (and still stands)."""
    query = select(CenterChangeRow.id).where(
        CenterChangeRow.center_id == change.center_id,
        CenterChangeRow.field == change.field,
        CenterChangeRow.id < change.id,
        CenterChangeRow.reverted_by.is_(None),
        CenterChangeRow.revert_of.is_(None),
    )
    return session.scalar(query.limit(1)) is not None


def _claim_json(claim: CenterClaimRow) -> dict[str, Any]:
    return {
        "product": claim.product,
        "status": claim.status,
        "source": claim.source,
        "checked_on": claim.checked_on.isoformat() if claim.checked_on else None,
    }
