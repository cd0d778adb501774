"""Password-reset and invitation links: single use, expiring, kept only as a hash."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from finder.accounts.credentials import digest, revoke_all
from finder.accounts.passwords import hash_password
from finder.domain.accounts import InvalidLink
from finder.storage.models import OneTimeLinkRow, UserRow

RESET = "reset"
INVITE = "invite"


def create_link(
    session: Session, user: UserRow, *, purpose: str, valid_for: timedelta, now: datetime
) -> str:
    """A new link secret; earlier unused links of the same purpose stop working."""
    session.execute(
        update(OneTimeLinkRow)
        .where(
            OneTimeLinkRow.user_id == user.id,
            OneTimeLinkRow.purpose == purpose,
            OneTimeLinkRow.used_at.is_(None),
        )
        .values(used_at=now)
    )
    secret = secrets.token_urlsafe(32)
    session.add(
        OneTimeLinkRow(
            secret_hash=digest(secret),
            purpose=purpose,
            user_id=user.id,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    session.flush()
    return secret


def check_link(session: Session, secret: str, *, purpose: str, now: datetime) -> UserRow:
    """The user a live link belongs to; InvalidLink when unknown, used or expired."""
    row = _live_row(session, secret, purpose, now)
    user = session.get(UserRow, row.user_id)
    if user is None or not user.active:
        raise InvalidLink()
    return user


def redeem_link(
    session: Session, secret: str, new_password: str, *, purpose: str, now: datetime
) -> UserRow:
    """Set the password through a link, once; every session and token of the user ends."""
    user = check_link(session, secret, purpose=purpose, now=now)
    password_hash = hash_password(new_password, email=user.email)
    # The conditional update is the single use: of two racing requests only one matches.
    used = session.execute(
        update(OneTimeLinkRow)
        .where(OneTimeLinkRow.secret_hash == digest(secret), OneTimeLinkRow.used_at.is_(None))
        .values(used_at=now)
    )
    if not used.rowcount:  # type: ignore[attr-defined]
        raise InvalidLink()
    user.password_hash = password_hash
    revoke_all(session, user.id, now=now)
    session.flush()
    return user


def _live_row(session: Session, secret: str, purpose: str, now: datetime) -> OneTimeLinkRow:
    row = session.scalar(
        select(OneTimeLinkRow).where(
            OneTimeLinkRow.secret_hash == digest(secret), OneTimeLinkRow.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or now >= row.expires_at:
        raise InvalidLink()
    return row
