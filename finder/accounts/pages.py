"""Signing in and out, the account page, and setting a password through an emailed link."""

from collections.abc import Iterable
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from finder.accounts import links, use_cases
from finder.accounts.link_mail import mail_link
from finder.domain.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    InvalidCredentials,
    InvalidLink,
    SignInLocked,
    WeakPassword,
)
from finder.domain.errors import UnknownReference
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import UserRow
from finder.web import limits
from finder.web.access import PUBLIC, SIGNED_IN, allow
from finder.web.auth import end_session, now, signed_in_user, start_session
from finder.web.commands import run
from finder.web.limits import limiter
from finder.web.return_path import safe_next

account = Blueprint("account", __name__)


@account.route("/sign-in", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(limits.SIGN_IN, methods=["POST"])
def sign_in() -> Response | tuple[str, int]:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("sign_in.html", next=target, email="", error=None), 200
    email = request.form.get("email", "")[:254]
    password = request.form.get("password", "")
    try:
        user = run(use_cases.sign_in, email, password, open_session=start_session)
    except SignInLocked as error:
        return _sign_in_again(target, email, _locked_message(error), 429)
    except InvalidCredentials:
        return _sign_in_again(target, email, gettext("The email or password is not correct."), 401)
    return redirect(target or landing(user))


def landing(user: UserRow) -> str:
    """Where the work is: a provider's referrals, staff's first center's week, an admin's users."""
    if user.role == "provider":
        return url_for("pages.referrals.dashboard")
    if user.role == "admin":
        return url_for("admin.users")
    centers = centers_by_name(user.center_ids)
    if user.role == "staff" and centers:
        return url_for("staff.week", center_id=centers[0][0])
    return url_for("account.home")


@account.app_context_processor
def _staff_centers() -> dict[str, object]:
    def staff_centers() -> list[tuple[str, str]]:
        user = signed_in_user()
        return centers_by_name(user.center_ids) if user is not None else []

    return {"staff_centers": staff_centers}


def centers_by_name(center_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(id, name) of these centers, by name; a center no longer listed keeps its id as name."""
    centers = current_catalog().centers
    named = []
    for center_id in center_ids:
        try:
            named.append((center_id, centers.get(center_id).name))
        except UnknownReference:
            named.append((center_id, center_id))
    return sorted(named, key=lambda pair: (pair[1].casefold(), pair[0]))


def _sign_in_again(target: str, email: str, error: str, status: int) -> tuple[str, int]:
    return render_template("sign_in.html", next=target, email=email, error=error), status


def _locked_message(error: SignInLocked) -> str:
    minutes = max(1, round(error.retry_after.total_seconds() / 60))
    return gettext(
        "Too many failed sign-ins for this email. Try again in %(minutes)d minute(s).",
        minutes=minutes,
    )


@account.post("/sign-out")
@allow(PUBLIC)
def sign_out() -> Response:
    run(use_cases.sign_out, close_session=end_session)
    flash(gettext("You are signed out."))
    return redirect(url_for("pages.search"))


@account.get("/account")
@allow(SIGNED_IN)
def home() -> str:
    user = signed_in_user()
    assert user is not None  # noqa: S101 - SIGNED_IN access guarantees it
    return render_template("account.html", user=user, centers=centers_by_name(user.center_ids))


@account.route("/password/forgot", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(limits.PASSWORD_RESET, methods=["POST"])
def forgot_password() -> str:
    sent = request.method == "POST"
    if sent:
        email = request.form.get("email", "")[:254]
        run(use_cases.request_password_reset, email, mail_link=mail_link)
    minutes = use_cases.RESET_VALID_FOR // timedelta(minutes=1)
    return render_template("forgot_password.html", sent=sent, valid_minutes=minutes)


@account.route("/password/reset", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(limits.PASSWORD_RESET, methods=["POST"])
def reset_password() -> Response | tuple[str, int]:
    return _set_password(links.RESET)


@account.route("/invitation", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(limits.PASSWORD_RESET, methods=["POST"])
def accept_invitation() -> Response | tuple[str, int]:
    return _set_password(links.INVITE)


def _set_password(purpose: str) -> Response | tuple[str, int]:
    """The link's token travels in the query string (never logged) and then the form."""
    token = request.values.get("token", "")[:100]
    try:
        user = links.check_link(db.session(), token, purpose=purpose, now=now())
    except InvalidLink:
        return _invalid_link(purpose)
    if request.method == "GET":
        return _password_form(purpose, token, user.email, None, 200)
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        return _password_form(purpose, token, user.email, gettext("The two passwords differ."), 400)
    try:
        run(use_cases.set_password, token, password, purpose=purpose)
    except WeakPassword as error:
        return _password_form(purpose, token, user.email, weak_password_message(error), 400)
    except InvalidLink:
        return _invalid_link(purpose)
    flash(gettext("Your password is set. Sign in with it."))
    return redirect(url_for("account.sign_in"))


def _invalid_link(purpose: str) -> tuple[str, int]:
    return render_template("set_password.html", purpose=purpose, invalid=True), 400


def weak_password_message(error: WeakPassword) -> str:
    messages = {
        "short": gettext("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
        "long": gettext("Use at most %(count)d characters.", count=MAX_PASSWORD_LENGTH),
        "common": gettext("This password is too common; choose another."),
        "email": gettext("The password must not be your email address."),
    }
    return messages[error.reason]


def _password_form(
    purpose: str, token: str, email: str, error: str | None, status: int
) -> tuple[str, int]:
    page = render_template(
        "set_password.html",
        purpose=purpose,
        invalid=False,
        token=token,
        email=email,
        error=error,
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
    )
    return page, status
