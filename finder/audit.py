"""The audit trail: who read or changed what, when and from where, never the record itself."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from finder.storage.models import AuditEventRow, UserRow

EXPORT_COLUMNS = (
    "id",
    "at",
    "actor_id",
    "actor_email",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "center_id",
    "outcome",
    "ip",
    "user_agent",
)


@dataclass(frozen=True)
class Origin:
    """Where a request came from."""

    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor_id: int | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def record(
    session: Session,
    action: str,
    *,
    at: datetime,
    origin: Origin,
    actor: UserRow | None = None,
    target_type: str = "",
    target_id: str | int = "",
    center_id: str | None = None,
    outcome: str = "ok",
) -> None:
    """Add one event to the session's transaction, so it lands exactly when the change does."""
    session.add(
        AuditEventRow(
            at=at,
            actor_id=actor.id if actor is not None else None,
            actor_role=actor.role if actor is not None else "",
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            center_id=center_id,
            outcome=outcome,
            ip=origin.ip[:45],
            user_agent=origin.user_agent[:200],
        )
    )


def _query(criteria: AuditFilter) -> Select[AuditEventRow, str]:
    query = select(AuditEventRow, UserRow.email).outerjoin(
        UserRow, UserRow.id == AuditEventRow.actor_id
    )
    if criteria.action:
        query = query.where(AuditEventRow.action == criteria.action)
    if criteria.actor_id is not None:
        query = query.where(AuditEventRow.actor_id == criteria.actor_id)
    if criteria.target_type:
        query = query.where(AuditEventRow.target_type == criteria.target_type)
    if criteria.target_id:
        query = query.where(AuditEventRow.target_id == criteria.target_id)
    if criteria.since is not None:
        query = query.where(AuditEventRow.at >= criteria.since)
    if criteria.until is not None:
        query = query.where(AuditEventRow.at < criteria.until)
    return query.order_by(AuditEventRow.id.desc())


def events(
    session: Session, criteria: AuditFilter, *, limit: int, offset: int = 0
) -> list[tuple[AuditEventRow, str | None]]:
    """The newest events first."""
    rows = session.execute(_query(criteria).limit(limit).offset(offset))
    return [(row[0], row[1]) for row in rows]


def export_csv(session: Session, criteria: AuditFilter) -> Iterator[str]:
    """Every matching event as CSV, streamed in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    yield _drain(buffer)
    for event, email in session.execute(_query(criteria).execution_options(yield_per=500)):
        writer.writerow(
            [
                event.id,
                event.at.isoformat(),
                event.actor_id or "",
                email or "",
                event.actor_role,
                event.action,
                event.target_type,
                event.target_id,
                event.center_id or "",
                event.outcome,
                event.ip,
                _neutralize(event.user_agent),
            ]
        )
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _neutralize(value: str) -> str:
    """Keep a spreadsheet from running a cell that a client chose (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
