"""Web sessions and API tokens: random secrets handed out once, kept only as SHA-256."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finder.storage.models import CredentialRow, UserRow

SESSION = "session"
TOKEN = "token"  # noqa: S105 - a kind of credential, not a secret


@dataclass(frozen=True)
class Lifetime:
    """How long a credential lives: in all, and without use (None: no idle limit)."""

    absolute: timedelta
    idle: timedelta | None = None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(
    session: Session, user: UserRow, *, kind: str, lifetime: Lifetime, now: datetime
) -> tuple[str, CredentialRow]:
    """A new credential for the user; the secret is returned once and never stored."""
    secret = secrets.token_urlsafe(32)
    row = CredentialRow(
        secret_hash=digest(secret),
        kind=kind,
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime.absolute,
    )
    session.add(row)
    session.flush()
    return secret, row


@dataclass(frozen=True)
class Resolved:
    """What a credential stands for now: its active user (None when it is dead), and what its
    use changes on the credential (its last use, or its end after too long idle)."""

    user: UserRow | None
    credential: CredentialRow | None
    changes: dict[str, datetime]


def resolve(
    session: Session, secret: str, *, kind: str, lifetime: Lifetime, now: datetime
) -> Resolved:
    """The active user behind a live credential; reads only, `record_use` writes the changes."""
    row = session.scalar(
        select(CredentialRow).where(
            CredentialRow.secret_hash == digest(secret), CredentialRow.kind == kind
        )
    )
    if row is None or row.revoked_at is not None or now >= row.expires_at:
        return Resolved(None, row, {})
    if lifetime.idle is not None and now - row.last_seen_at >= lifetime.idle:
        return Resolved(None, row, {"revoked_at": now})
    user = session.get(UserRow, row.user_id)
    if user is None or not user.active:
        return Resolved(None, row, {})
    # Touch at most once a minute, so reads do not each become a write.
    touched = {"last_seen_at": now} if now - row.last_seen_at >= timedelta(minutes=1) else {}
    return Resolved(user, row, touched)


def record_use(session: Session, resolved: Resolved) -> None:
    """Write what the credential's use changed (nothing when nothing did)."""
    if resolved.credential is None or not resolved.changes:
        return
    session.execute(
        update(CredentialRow)
        .where(CredentialRow.id == resolved.credential.id)
        .values(**resolved.changes)
    )


def revoke(session: Session, secret: str, *, kind: str, now: datetime) -> bool:
    result = session.execute(
        update(CredentialRow)
        .where(
            CredentialRow.secret_hash == digest(secret),
            CredentialRow.kind == kind,
            CredentialRow.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_all(session: Session, user_id: int, *, now: datetime) -> None:
    session.execute(
        update(CredentialRow)
        .where(CredentialRow.user_id == user_id, CredentialRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
