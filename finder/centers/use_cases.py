"""The centers' commands, each once: load a new centers list; staff change their center's
profile (audited `center_profile_changed`); an admin reverts a change
(`center_change_reverted`)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from finder.centers import profile
from finder.centers.files import read_network
from finder.centers.records import (
    LoadPlan,
    bump_revision,
    center_record,
    plan_load,
    replace_centers,
    stored_center,
)
from finder.domain.accounts import Actor, Role
from finder.domain.center_profile import check_profile_change
from finder.domain.centers import Center
from finder.domain.errors import DomainError, UnknownReference
from finder.domain.products import ProductCatalog
from finder.storage import db
from finder.storage.models import CenterChangeRow, CenterRow
from finder.unit_of_work import UnitOfWork


class LoadConflicts(DomainError):
    """A centers file that would overwrite what a center confirmed: nothing is loaded."""

    code = "load_conflicts"

    def __init__(self, plan: LoadPlan) -> None:
        super().__init__(
            f"{len(plan.conflicts)} conflict(s) with what centers confirmed; nothing was loaded."
        )
        self.plan = plan


class ChangeNotRevertible(DomainError):
    code = "change_not_revertible"


@dataclass(frozen=True)
class Loaded:
    count: int
    plan: LoadPlan


def load_centers_file(
    path: Path,
    products: ProductCatalog,
    *,
    claims_path: Path | None = None,
    dry_run: bool = False,
) -> int:
    """Validate the file (and its claims) and replace the catalog with it in one transaction;
    returns the count. A file with any problem raises InvalidCenterFile, one that disagrees
    with what a center confirmed LoadConflicts; either changes nothing."""
    return load_network(path, products, claims_path=claims_path, dry_run=dry_run).count


def load_network(
    path: Path,
    products: ProductCatalog,
    *,
    claims_path: Path | None = None,
    dry_run: bool = False,
) -> Loaded:
    centers = read_network(path, claims_path, products)
    with db.transaction() as session:
        plan = plan_load(session, centers)
        if plan.conflicts and not dry_run:
            raise LoadConflicts(plan)
        if not dry_run:
            replace_centers(session, centers, now=datetime.now(UTC))
    return Loaded(len(centers), plan)


def change_profile(
    uow: UnitOfWork, actor: Actor, center_id: str, body: Any, catalog: ProductCatalog
) -> Center:
    """Staff of the center (or an admin) change its public profile: at once, recorded field by
    field, each field confirmed by the center."""
    row = _reachable(uow, actor, center_id)
    changes = check_profile_change(body, catalog)
    today = uow.now.date()
    changed = []
    for field, value in changes.items():
        before = profile.current_value(row, field)
        claims_unconfirmed = field == "products" and any(
            claim.status != "confirmed" for claim in stored_center(uow.session, row).claims
        )
        if before == value and not claims_unconfirmed and field in (row.confirmed or {}):
            continue
        claims_before = profile.set_field(uow.session, row, field, value, today=today)
        profile.confirm(row, field, value)
        profile.add_change(
            uow.session, row, field=field, before=before, after=value,
            actor=uow.actor, at=uow.now, claims_before=claims_before,
        )  # fmt: skip
        changed.append(field)
    if changed:
        row.updated_at = uow.now
        bump_revision(uow.session, uow.now)
        uow.audit("center_profile_changed", target_type="center", target_id=row.id,
                  center_id=row.id)  # fmt: skip
    uow.commit()
    return stored_center(uow.session, row)


def profile_changes(uow: UnitOfWork, actor: Actor, center_id: str) -> list[CenterChangeRow]:
    """The history of the center's profile, newest first (its staff and admins)."""
    row = _reachable(uow, actor, center_id)
    return profile.changes_of(uow.session, row.id)


def revert_change(uow: UnitOfWork, actor: Actor, center_id: str, change_id: int) -> Center:
    """An admin puts one field back as it was before a change; the revert is itself recorded."""
    row = _reachable(uow, actor, center_id)
    if actor.role is not Role.ADMIN:
        raise UnknownReference("No such change.")
    change = profile.change_of(uow.session, row.id, change_id)
    if change is None:
        raise UnknownReference("No such change.")
    if change.reverted_by is not None or change.revert_of is not None:
        raise ChangeNotRevertible("This change was already reverted, or is itself a revert.")
    current = profile.current_value(row, change.field)
    if current != change.after:
        raise ChangeNotRevertible("The field changed again since; revert the later change first.")
    if change.field == "products" and change.claims_before is not None:
        profile.restore_claims(uow.session, row, change.claims_before)
        row.products = list(change.before or [])  # type: ignore[call-overload]
    else:
        profile.set_field(uow.session, row, change.field, change.before, today=uow.now.date())
    if profile.confirmed_earlier(uow.session, change):
        profile.confirm(row, change.field, change.before)
    else:
        profile.unconfirm(row, change.field)
    undo = profile.add_change(
        uow.session, row, field=change.field, before=current, after=change.before,
        actor=uow.actor, at=uow.now, revert_of=change.id,
    )  # fmt: skip
    change.reverted_by = undo.id
    row.updated_at = uow.now
    bump_revision(uow.session, uow.now)
    uow.audit("center_change_reverted", target_type="center", target_id=row.id, center_id=row.id)
    uow.commit()
    return stored_center(uow.session, row)


def _reachable(uow: UnitOfWork, actor: Actor, center_id: str) -> CenterRow:
    """The center, if the actor may act on it; another center's is not found."""
    row = center_record(uow.session, center_id) if actor.reaches_center(center_id) else None
    if row is None:
        raise UnknownReference("No center has this id.")
    return row
