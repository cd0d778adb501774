"""Who may call each route, declared beside the route and enforced here, before any view runs.

Every endpoint carries an `Access`; an endpoint without one stops the app from starting.
A signed-out caller gets 401 (or the sign-in page), a role without the right 403, and a
record of another tenant 404, so nothing about it leaks.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from finder.domain.accounts import Actor, Role
from finder.domain.centers import Center
from finder.domain.errors import UnknownReference
from finder.extensions import current_catalog
from finder.web.auth import current_actor
from finder.web.return_path import safe_next

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Access:
    """Who may call a route: anyone, or these roles; optionally only for their own center."""

    name: str
    roles: frozenset[Role] | None  # None: anyone, signed in or not
    center_arg: str | None = None  # the route argument naming a center the caller must reach

    @property
    def public(self) -> bool:
        return self.roles is None


PUBLIC = Access("public", None)
SIGNED_IN = Access("signed in", frozenset(Role))
ADMIN = Access("admin", frozenset({Role.ADMIN}))
PROVIDER = Access("provider", frozenset({Role.PROVIDER, Role.ADMIN}))
STAFF = Access("staff", frozenset({Role.STAFF, Role.ADMIN}))
CENTER_STAFF = Access("staff of the center", frozenset({Role.STAFF, Role.ADMIN}), "center_id")


def allow(access: Access) -> Callable[[View], View]:
    """Declare who may call the view."""

    def declare(view: View) -> View:
        view.access = access  # type: ignore[attr-defined]
        return view

    return declare


def declared(app: Flask, endpoint: str) -> Access | None:
    if endpoint == "static":
        return PUBLIC
    return getattr(app.view_functions.get(endpoint), "access", None)


def undeclared(app: Flask) -> list[str]:
    return sorted(e for e in app.view_functions if declared(app, e) is None)


def _enforce() -> Response | None:
    if request.endpoint is None:
        return None  # 404 or 405: Flask answers
    access = declared(current_app, request.endpoint)
    if access is None:  # pragma: no cover - init_app refuses such an app
        abort(500)
    if access.public:
        return None
    actor = current_actor()
    if actor is None:
        if request.path.startswith("/api/"):
            abort(401, description="Sign in or send a bearer token.")
        return redirect(url_for("account.sign_in", next=_local_path()))
    if access.roles is not None and actor.role not in access.roles:
        abort(403, description="Your role may not do this.")
    if access.center_arg is not None:
        center_id = (request.view_args or {}).get(access.center_arg, "")
        if not actor.reaches_center(center_id):
            abort(404, description="No such record.")
    return None


def _local_path() -> str:
    """Where to come back to after sign-in: this app's path, never another site."""
    query = request.query_string.decode("utf-8", "replace")  # raw bytes are not always UTF-8
    return safe_next(f"{request.path}?{query}" if query else request.path) or "/"


def init_app(app: Flask) -> None:
    if missing := undeclared(app):
        raise RuntimeError(f"routes without a declared access rule: {', '.join(missing)}")
    app.before_request(_enforce)


def signed_in_actor() -> Actor:
    """The caller of a route whose access rule lets only signed-in users in."""
    actor = current_actor()
    assert actor is not None  # noqa: S101 - the access rule guarantees it
    return actor


def center_or_404(center_id: str) -> Center:
    """The listed center a page names, or the 404 page."""
    try:
        return current_catalog().centers.get(center_id)
    except UnknownReference:
        abort(404, description=gettext("No center has this id."))
