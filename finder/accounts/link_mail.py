"""The emailed reset or invitation link: its words, its address on this site, and sending it."""

import logging
from datetime import timedelta
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import gettext

from finder.accounts import links
from finder.mail import Mail, MailNotSent, message_domain
from finder.public_url import public_link
from finder.storage.models import UserRow

log = logging.getLogger(__name__)

PURPOSE_VIEW = {links.RESET: "account.reset_password", links.INVITE: "account.accept_invitation"}


def mail_link(user: UserRow, purpose: str, secret: str, valid_for: timedelta) -> bool:
    """Send the link to the account's address; False (and a warning) when it could not be."""
    url = public_link(PURPOSE_VIEW[purpose], token=secret)
    try:
        current_app.extensions["finder.mail"].send(_link_mail(user.email, url, purpose, valid_for))
    except MailNotSent as error:
        log.warning("a %s link for user %s was not sent: %s", purpose, user.id, error.reason)
        return False
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
    config = current_app.config
    domain = message_domain(config.get("MAIL_FROM", ""), config.get("PUBLIC_URL", ""))
    return Mail(to=to, subject=subject, text=text, html=html, message_id=make_msgid(domain=domain))
