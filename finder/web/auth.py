"""Who is calling: a web session (cookie) or an API bearer token, both checked in the database."""

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_babel import gettext
from flask_login import LoginManager, current_user, login_user, logout_user

from finder import audit
from finder.accounts import credentials
from finder.accounts.credentials import SESSION, TOKEN, Lifetime
from finder.audit import Origin
from finder.domain.accounts import Actor, Role
from finder.storage import db
from finder.storage.models import CredentialRow, UserRow

login_manager = LoginManager()


class SignedIn:
    """The Flask-Login user: an account and the credential it came with."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: UserRow, credential: CredentialRow, secret: str) -> None:
        self.user = user
        self.credential = credential
        self.secret = secret

    def get_id(self) -> str:
        # What Flask-Login keeps in the session cookie is the session's secret, not the user id,
        # so signing out or deactivating the account ends the session on the server.
        return self.secret

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, Role(self.user.role), self.user.center_ids)


def now() -> datetime:
    return datetime.now(UTC)


def origin() -> Origin:
    return Origin(ip=request.remote_addr or "", user_agent=request.user_agent.string or "")


def session_lifetime() -> Lifetime:
    config = current_app.config
    return Lifetime(
        absolute=timedelta(hours=config["SESSION_MAX_HOURS"]),
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
    )


def token_lifetime() -> Lifetime:
    return Lifetime(absolute=timedelta(hours=current_app.config["TOKEN_HOURS"]))


def signed_in_user() -> UserRow | None:
    return current_user.user if current_user.is_authenticated else None


def current_actor() -> Actor | None:
    return current_user.actor if current_user.is_authenticated else None


def start_session(user: UserRow) -> None:
    """Sign the user in with a fresh session: nothing from before sign-in is carried over."""
    session.clear()
    secret, row = credentials.issue(
        db.session(), user, kind=SESSION, lifetime=session_lifetime(), now=now()
    )
    login_user(SignedIn(user, row, secret))
    session.permanent = True


def end_session() -> None:
    if current_user.is_authenticated and g.get("auth_method") == SESSION:
        credentials.revoke(db.session(), current_user.secret, kind=SESSION, now=now())
    logout_user()
    session.clear()


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _load_session(secret: str) -> SignedIn | None:
    return _signed_in(secret, SESSION, session_lifetime())


def _load_bearer(_request: Any) -> SignedIn | None:
    secret = bearer_secret()
    return None if secret is None else _signed_in(secret, TOKEN, token_lifetime())


def _signed_in(secret: str, kind: str, lifetime: Lifetime) -> SignedIn | None:
    found = credentials.resolve(db.session(), secret, kind=kind, lifetime=lifetime, now=now())
    _record_use(found)
    if found.user is None or found.credential is None:
        return None
    g.auth_method = kind
    return SignedIn(found.user, found.credential, secret)


def _record_use(found: credentials.Resolved) -> None:
    """Keep the credential's last use (the idle timeout) or the revocation it caused in a
    commit of its own, apart from anything the view does."""
    if not found.changes:
        return
    if db.may_write():
        credentials.record_use(db.session(), found)
        db.session().commit()
    else:
        with db.bookkeeping() as bookkeeping:
            credentials.record_use(bookkeeping, found)


def _identify_caller() -> None:
    """Load the caller before any view."""
    current_user._get_current_object()  # runs the loaders


def record_event(action: str, **what: Any) -> None:
    """Add an audit event for this request: when, from where, and by default who. A change's
    event lands in the change's own transaction; a read's is written at once in one of its own,
    since a read's session never writes."""
    what.setdefault("actor", signed_in_user())
    if db.may_write():
        audit.record(db.session(), action, at=now(), origin=origin(), **what)
        return
    with db.bookkeeping() as bookkeeping:
        audit.record(bookkeeping, action, at=now(), origin=origin(), **what)


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_IDLE_MINUTES", 30)
    app.config.setdefault("SESSION_MAX_HOURS", 12)
    app.config.setdefault("TOKEN_HOURS", 24)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=app.config["SESSION_MAX_HOURS"]),
        REMEMBER_COOKIE_HTTPONLY=True,
    )
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions live on the server; see SignedIn.get_id
    login_manager.user_loader(_load_session)
    login_manager.request_loader(_load_bearer)
    app.before_request(_identify_caller)  # first: before the access rules and any view
    app.context_processor(_account_words)


def _account_words() -> dict[str, Any]:
    return {"signed_in_user": signed_in_user, "role_names": role_names()}


def role_names() -> dict[str, str]:
    return {
        Role.ADMIN: gettext("Administrator"),
        Role.STAFF: gettext("Center staff"),
        Role.PROVIDER: gettext("Referring provider"),
    }
