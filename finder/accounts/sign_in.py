"""Checking a password, with back-off after failures that looks the same for every email."""

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from finder.accounts.passwords import hash_password, needs_rehash, verify_password
from finder.accounts.users import canonical_email, find_user
from finder.domain.accounts import InvalidCredentials, SignInLocked, lock_after
from finder.storage.models import SignInThrottleRow, UserRow


def authenticate(session: Session, email: str, password: str, *, now: datetime) -> UserRow:
    """The user when the password is right and sign-in is not locked; raises otherwise.

    The throttle is keyed by the email, so an unknown email is locked exactly like a real
    one and the answers never tell whether an account exists.
    """
    key = hashlib.sha256(canonical_email(email).encode()).hexdigest()
    throttle = session.get(SignInThrottleRow, key, with_for_update=True)
    if throttle and throttle.locked_until and now < throttle.locked_until:
        raise SignInLocked(throttle.locked_until - now)
    user = find_user(session, email)
    stored = user.password_hash if user is not None and user.active else None
    if not verify_password(stored, password) or user is None:
        if throttle is None:
            throttle = SignInThrottleRow(email_hash=key, failures=0)
            session.add(throttle)
        throttle.failures += 1
        lock = lock_after(throttle.failures)
        throttle.locked_until = now + lock if lock else None
        session.flush()
        raise InvalidCredentials()
    if throttle is not None:
        session.delete(throttle)
    if stored and needs_rehash(stored):
        user.password_hash = hash_password(password, email=user.email)
    session.flush()
    return user
