"""What is done with accounts, each once: sign in and out, invite, assign, deactivate, set a
password through a link, issue and revoke tokens, read the audit log."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from finder import audit
from finder.accounts import credentials, links, users
from finder.accounts.credentials import TOKEN, Lifetime
from finder.accounts.passwords import hash_password
from finder.accounts.sign_in import authenticate
from finder.domain.accounts import Role
from finder.domain.errors import DomainError, UnknownReference
from finder.storage.models import AuditEventRow, CredentialRow, UserRow
from finder.unit_of_work import UnitOfWork

RESET_VALID_FOR = timedelta(minutes=30)
INVITE_VALID_FOR = timedelta(days=7)

# Mails a one-time link (user, purpose, secret, how long it works); False when it was not sent.
LinkMailer = Callable[[UserRow, str, str, timedelta], bool]


class NotAnAdmin(DomainError):
    """Accounts and the audit log are managed by administrators (or from the terminal)."""

    code = "forbidden"

    def __init__(self) -> None:
        super().__init__("Only an administrator may do this.")


class NoSuchUser(UnknownReference):
    """An account number that no account has."""

    def __init__(self) -> None:
        super().__init__("No such user.")


@dataclass(frozen=True)
class Created:
    """A new account, and whether its invitation went out (None: none was asked for)."""

    user: UserRow
    invitation_sent: bool | None


def sign_in(
    uow: UnitOfWork, email: str, password: str, *, open_session: Callable[[UserRow], None]
) -> UserRow:
    """Check the password and open a web session (the cookie is the caller's business)."""
    user = _authenticate(uow, email, password, action="sign_in")
    open_session(user)
    uow.commit()
    return user


def sign_out(uow: UnitOfWork, *, close_session: Callable[[], None]) -> None:
    """End the caller's web session; signing out when signed out changes nothing."""
    if uow.actor is not None:
        uow.audit("sign_out")
    close_session()
    uow.commit()


def issue_token(
    uow: UnitOfWork, email: str, password: str, *, lifetime: Lifetime
) -> tuple[str, CredentialRow]:
    """A bearer token for these credentials; the secret is returned once and never stored."""
    user = _authenticate(uow, email, password, action="token_issued")
    secret, row = credentials.issue(uow.session, user, kind=TOKEN, lifetime=lifetime, now=uow.now)
    uow.commit()
    return secret, row


def revoke_token(uow: UnitOfWork, secret: str) -> None:
    """End the token this call carries."""
    credentials.revoke(uow.session, secret, kind=TOKEN, now=uow.now)
    uow.audit("token_revoked")
    uow.commit()


def _authenticate(uow: UnitOfWork, email: str, password: str, *, action: str) -> UserRow:
    """The account for these credentials; a failure is counted and audited before it is raised."""
    try:
        user = authenticate(uow.session, email, password, now=uow.now)
    except DomainError as error:
        uow.audit(action, actor=None, outcome=error.code)
        uow.commit()
        raise
    uow.audit(action, actor=user)
    return user


def create_account(
    uow: UnitOfWork,
    *,
    email: str,
    role: str,
    name: str = "",
    practice: str = "",
    centers: Iterable[str] = (),
    password: str | None = None,
    mail_link: LinkMailer | None = None,
) -> Created:
    """A new account; with a mailer, its invitation link is emailed in the same transaction."""
    _check_admin(uow)
    user = users.create_user(
        uow.session,
        email=email,
        role=role,
        name=name,
        practice=practice,
        centers=centers,
        password=password,
        now=uow.now,
    )
    uow.audit("user_created", target_type="user", target_id=user.id)
    sent = None if mail_link is None else _send_link(uow, user, links.INVITE, mail_link)
    uow.commit()
    return Created(user, sent)


def provide_account(
    uow: UnitOfWork,
    *,
    email: str,
    role: str,
    password: str,
    name: str = "",
    practice: str = "",
    centers: Iterable[str] = (),
) -> UserRow:
    """The account with this role and this password: created, or brought back to them (active,
    every earlier session and token ended). For known accounts set up from the terminal."""
    _check_admin(uow)
    user = users.find_user(uow.session, email)
    if user is None:
        return create_account(
            uow,
            email=email,
            role=role,
            name=name,
            practice=practice,
            centers=centers,
            password=password,
        ).user
    users.assign(uow.session, user, role=role, practice=practice, centers=centers, by=uow.actor)
    user.name = name or user.name
    user.active = True
    user.password_hash = hash_password(password, email=user.email)
    credentials.revoke_all(uow.session, user.id, now=uow.now)
    uow.audit("account_reset", target_type="user", target_id=user.id)
    uow.commit()
    return user


def resend_invitation(uow: UnitOfWork, user_id: int, *, mail_link: LinkMailer) -> Created:
    """A fresh invitation link; the earlier one stops working."""
    _check_admin(uow)
    user = _user(uow, user_id)
    sent = _send_link(uow, user, links.INVITE, mail_link) if user.active else True
    uow.commit()
    return Created(user, sent)


def request_password_reset(uow: UnitOfWork, email: str, *, mail_link: LinkMailer) -> None:
    """Email a reset link when an active account has this address; the asker learns nothing."""
    user = users.find_user(uow.session, email)
    if user is not None and user.active:
        _send_link(uow, user, links.RESET, mail_link)
    uow.commit()


def _send_link(uow: UnitOfWork, user: UserRow, purpose: str, mail_link: LinkMailer) -> bool:
    valid_for = RESET_VALID_FOR if purpose == links.RESET else INVITE_VALID_FOR
    secret = links.create_link(uow.session, user, purpose=purpose, valid_for=valid_for, now=uow.now)
    if not mail_link(user, purpose, secret, valid_for):
        return False
    action = "password_reset_requested" if purpose == links.RESET else "invitation_sent"
    uow.audit(action, actor=uow.actor or user, target_type="user", target_id=user.id)
    return True


def set_password(uow: UnitOfWork, secret: str, password: str, *, purpose: str) -> UserRow:
    """Set the password through a reset or invitation link, once; the user's sessions end."""
    user = links.redeem_link(uow.session, secret, password, purpose=purpose, now=uow.now)
    action = "password_reset" if purpose == links.RESET else "invitation_accepted"
    uow.audit(action, actor=user, target_type="user", target_id=user.id)
    uow.commit()
    return user


def assign(
    uow: UnitOfWork, user_id: int, *, role: str, practice: str, centers: Iterable[str]
) -> UserRow:
    """Change an account's role, practice and centers; an admin keeps their own role."""
    _check_admin(uow)
    user = _user(uow, user_id)
    users.assign(uow.session, user, role=role, practice=practice, centers=centers, by=uow.actor)
    uow.audit("user_updated", target_type="user", target_id=user.id)
    uow.commit()
    return user


def set_active(uow: UnitOfWork, user_id: int, active: bool) -> UserRow:
    """Deactivate (ending every session and token) or reactivate an account."""
    _check_admin(uow)
    user = _user(uow, user_id)
    users.set_active(uow.session, user, active, now=uow.now, by=uow.actor)
    uow.audit(
        "user_reactivated" if active else "user_deactivated", target_type="user", target_id=user.id
    )
    uow.commit()
    return user


def issue_reset_link(uow: UnitOfWork, email: str) -> tuple[UserRow, str]:
    """A password link for an active account, handed to the trusted terminal instead of mailed
    (a lost invitation, a mail server down); earlier unused links stop working."""
    _check_admin(uow)
    user = users.find_user(uow.session, email)
    if user is None:
        raise NoSuchUser()
    if not user.active:
        raise InactiveAccount()
    secret = links.create_link(
        uow.session, user, purpose=links.RESET, valid_for=RESET_VALID_FOR, now=uow.now
    )
    uow.audit("password_reset_link_issued", target_type="user", target_id=user.id)
    uow.commit()
    return user, secret


class InactiveAccount(DomainError):
    code = "inactive_account"

    def __init__(self) -> None:
        super().__init__("This account is deactivated; activate it first.")


def _check_admin(uow: UnitOfWork) -> None:
    """A signed-in caller must be an administrator; no caller is the trusted terminal."""
    if uow.actor is not None and uow.actor.role != Role.ADMIN:
        raise NotAnAdmin()


def _user(uow: UnitOfWork, user_id: int) -> UserRow:
    user = uow.session.get(UserRow, user_id)
    if user is None:
        raise NoSuchUser()
    return user


def view_audit_log(
    uow: UnitOfWork, criteria: audit.AuditFilter, *, limit: int, offset: int
) -> list[tuple[AuditEventRow, str | None]]:
    """A page of the audit log, newest first; reading it is itself audited."""
    _check_admin(uow)
    events = audit.events(uow.session, criteria, limit=limit, offset=offset)
    uow.audit("audit_viewed")
    uow.commit()
    return events


def export_audit_log(uow: UnitOfWork) -> datetime:
    """Record that the audit log is exported, and when; the rows stream afterwards."""
    _check_admin(uow)
    uow.audit("audit_exported")
    uow.commit()
    return uow.now
