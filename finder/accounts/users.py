"""Creating, assigning and deactivating accounts."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder.accounts.credentials import revoke_all
from finder.accounts.passwords import hash_password
from finder.domain.accounts import ROLES, Role, check_account_text
from finder.domain.contact import InvalidEmail, mail_address
from finder.domain.errors import DomainError
from finder.storage.models import CenterRow, UserCenterRow, UserRow


class AccountConflict(DomainError):
    code = "account_exists"


class SelfLockout(DomainError):
    """An admin may not take away their own access: someone must be left to manage accounts."""

    code = "self_lockout"

    def __init__(self, change: str) -> None:
        super().__init__(
            "You cannot change your own role."
            if change == "role"
            else "You cannot deactivate your own account."
        )
        self.change = change


def normalize_email(email: str) -> str:
    return email.strip().lower()


def canonical_email(email: str) -> str:
    """One spelling per address (the stored one), so "bücher" and its punycode count as one."""
    try:
        return check_email(email)
    except InvalidEmail:
        return normalize_email(email)


def check_email(email: str) -> str:
    """The account's address as stored and mailed to: lowercase, the domain in IDNA form."""
    return mail_address(normalize_email(email))


def create_user(
    session: Session,
    *,
    email: str,
    role: str,
    now: datetime,
    name: str = "",
    practice: str = "",
    centers: Iterable[str] = (),
    password: str | None = None,
) -> UserRow:
    """A new account; without a password it can only be entered through an invitation link."""
    email = check_email(email)
    if session.scalar(select(UserRow.id).where(UserRow.email == email)) is not None:
        raise AccountConflict("An account with this email already exists.")
    name = check_account_text(name, field="name")
    user = UserRow(email=email, role="", name=name, active=True, created_at=now)
    _assign(session, user, role=role, practice=practice, centers=centers)
    if password is not None:
        user.password_hash = hash_password(password, email=email)
    session.add(user)
    session.flush()
    return user


def assign(
    session: Session,
    user: UserRow,
    *,
    role: str,
    practice: str,
    centers: Iterable[str],
    by: UserRow | None = None,
) -> None:
    """Change a user's role, practice and centers (`by`: the admin making the change)."""
    if by is not None and by.id == user.id and role != user.role:
        raise SelfLockout("role")
    _assign(session, user, role=role, practice=practice, centers=centers)
    session.flush()


def _assign(
    session: Session, user: UserRow, *, role: str, practice: str, centers: Iterable[str]
) -> None:
    if role not in ROLES:
        raise DomainError(
            f"The role must be one of: {', '.join(ROLES)}.", fields={"role": "invalid"}
        )
    wanted = sorted(set(centers)) if role == Role.STAFF else []
    if role == Role.STAFF and not wanted:
        raise DomainError("Staff must be given at least one center.", fields={"centers": "empty"})
    known = set(session.scalars(select(CenterRow.id).where(CenterRow.id.in_(wanted))))
    if unknown := [c for c in wanted if c not in known]:
        raise DomainError(
            f"Unknown center: {', '.join(unknown)}.", fields={"centers": "unknown center"}
        )
    user.role = role
    user.practice = check_account_text(practice, field="practice") if role == Role.PROVIDER else ""
    user.centers = [UserCenterRow(center_id=center_id) for center_id in wanted]


def set_active(
    session: Session, user: UserRow, active: bool, *, now: datetime, by: UserRow | None = None
) -> None:
    """Deactivating signs the user out everywhere and revokes their tokens."""
    if by is not None and by.id == user.id and not active:
        raise SelfLockout("active")
    user.active = active
    if not active:
        revoke_all(session, user.id, now=now)
    session.flush()


def find_user(session: Session, email: str) -> UserRow | None:
    try:
        address = check_email(email)
    except InvalidEmail:
        return None  # no account has such an address; spares the database odd characters
    return session.scalar(select(UserRow).where(UserRow.email == address))


def user_count(session: Session) -> int:
    return session.scalar(select(func.count(UserRow.id))) or 0


def all_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.role, UserRow.email)))


def center_team(session: Session, center_id: str) -> list[UserRow]:
    """The active staff accounts of a center."""
    return list(
        session.scalars(
            select(UserRow)
            .join(UserCenterRow, UserCenterRow.user_id == UserRow.id)
            .where(UserCenterRow.center_id == center_id, UserRow.active.is_(True))
            .order_by(UserRow.name, UserRow.email)
        )
    )
