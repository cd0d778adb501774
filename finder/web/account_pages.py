"""Signing in and out, the account page, and setting a password through an emailed link."""

import logging
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from werkzeug.wrappers import Response

from finder.accounts import links
from finder.accounts.users import find_user
from finder.domain.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    InvalidCredentials,
    InvalidLink,
    SignInLocked,
    WeakPassword,
)
from finder.mail import Mail, MailNotSent
from finder.public_url import public_link
from finder.storage import db
from finder.web import limits
from finder.web.access import PUBLIC, SIGNED_IN, allow
from finder.web.auth import (
    authenticate,
    end_session,
    now,
    record_event,
    signed_in_user,
    start_session,
)
from finder.web.limits import limiter
from finder.web.return_path import safe_next

account = Blueprint("account", __name__)
log = logging.getLogger(__name__)

RESET_VALID_FOR = timedelta(minutes=30)
INVITE_VALID_FOR = timedelta(days=7)
PURPOSE_VIEW = {links.RESET: "account.reset_password", links.INVITE: "account.accept_invitation"}


@account.route("/sign-in", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(limits.SIGN_IN, methods=["POST"])
def sign_in() -> Response | tuple[str, int]:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("sign_in.html", next=target, email="", error=None), 200
    email = request.form.get("email", "")[:254]
    try:
        user = authenticate(email, request.form.get("password", ""), action="sign_in")
    except SignInLocked as error:
        return _sign_in_again(target, email, _locked_message(error), 429)
    except InvalidCredentials:
        return _sign_in_again(target, email, gettext("The email or password is not correct."), 401)
    start_session(user)
    db.session().commit()
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
    if signed_in_user() is not None:
        record_event("sign_out")
    end_session()
    db.session().commit()
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
    if request.method == "POST":
        send_link(request.form.get("email", "")[:254], purpose=links.RESET)
        db.session().commit()
    minutes = RESET_VALID_FOR // timedelta(minutes=1)
    sent = request.method == "POST"
    return render_template("forgot_password.html", sent=sent, valid_minutes=minutes)


def send_link(email: str, *, purpose: str) -> bool:
    """Email a reset or invitation link when the account exists; False if it could not be sent.

    The one asking for a reset learns nothing either way; an admin inviting is told.
    """
    current = db.session()
    user = find_user(current, email)
    if user is None or not user.active:
        return True
    valid_for = RESET_VALID_FOR if purpose == links.RESET else INVITE_VALID_FOR
    secret = links.create_link(current, user, purpose=purpose, valid_for=valid_for, now=now())
    url = public_link(PURPOSE_VIEW[purpose], token=secret)
    try:
        current_app.extensions["finder.mail"].send(_link_mail(user.email, url, purpose, valid_for))
    except MailNotSent as error:
        log.warning("a %s link for user %s was not sent: %s", purpose, user.id, error.reason)
        return False
    action = "password_reset_requested" if purpose == links.RESET else "invitation_sent"
    record_event(action, actor=signed_in_user() or user, target_type="user", target_id=user.id)
    return True


def _link_mail(to: str, url: str, purpose: str, valid_for: timedelta) -> Mail:
    if purpose == links.RESET:
        subject = gettext("Reset your password")
        lead = gettext("Someone asked to reset the password of your account.")
        ignore = gettext("If it was not you, ignore this message; your password stays the same.")
    else:
        subject = gettext("You are invited to the CAR T center finder")
        lead = gettext("An administrator created an account for you.")
        ignore = gettext("If you did not expect this, ignore this message.")
    if valid_for < timedelta(days=1):
        minutes = valid_for // timedelta(minutes=1)
        validity = gettext("The link works once, within %(minutes)d minutes.", minutes=minutes)
    else:
        validity = gettext("The link works once, within %(days)d days.", days=valid_for.days)
    action = gettext("Choose your password here:")
    text = f"{lead}\n\n{action}\n{url}\n\n{validity}\n{ignore}\n"
    html = render_template(
        "mail/link.html", lead=lead, action=action, url=url, validity=validity, ignore=ignore
    )
    return Mail(to=to, subject=subject, text=text, html=html)


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
    current = db.session()
    try:
        user = links.check_link(current, token, purpose=purpose, now=now())
    except InvalidLink:
        return render_template("set_password.html", purpose=purpose, invalid=True), 400
    if request.method == "GET":
        return _password_form(purpose, token, user.email, None, 200)
    password = request.form.get("password", "")
    if password != request.form.get("confirm", ""):
        return _password_form(purpose, token, user.email, gettext("The two passwords differ."), 400)
    try:
        links.redeem_link(current, token, password, purpose=purpose, now=now())
    except WeakPassword as error:
        return _password_form(purpose, token, user.email, weak_password_message(error), 400)
    except InvalidLink:
        return render_template("set_password.html", purpose=purpose, invalid=True), 400
    action = "password_reset" if purpose == links.RESET else "invitation_accepted"
    record_event(action, actor=user, target_type="user", target_id=user.id)
    current.commit()
    flash(gettext("Your password is set. Sign in with it."))
    return redirect(url_for("account.sign_in"))


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
