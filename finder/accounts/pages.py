"""Signing in and out, the account page, and setting a password through an emailed link."""

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
from finder.storage import db
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
        run(use_cases.sign_in, email, password, open_session=start_session)
    except SignInLocked as error:
        return _sign_in_again(target, email, _locked_message(error), 429)
    except InvalidCredentials:
        return _sign_in_again(target, email, gettext("The email or password is not correct."), 401)
    return redirect(target or url_for("account.home"))


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
    return render_template("account.html", user=signed_in_user())


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
