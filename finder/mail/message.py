"""An outgoing message as the application writes it, and its MIME form for the wire."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import ContentTypeHeader
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from finder.domain.contact import InvalidEmail, mail_address

MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")


@dataclass(frozen=True)
class Attachment:
    """A file sent along, such as a consultation's calendar entry."""

    filename: str
    content_type: str  # with parameters, e.g. "text/calendar; method=REQUEST"
    data: bytes


@dataclass(frozen=True)
class Mail:
    """One message to one recipient, in plain text and optionally in HTML."""

    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()
    # Given by the caller so that a re-sent reminder keeps its identity; made up when None.
    message_id: str | None = None

    def __post_init__(self) -> None:
        """Refuse a Message-ID that mail clients could not use to fold re-sent copies."""
        if self.message_id is not None and not MESSAGE_ID.fullmatch(self.message_id):
            raise ValueError("A Message-ID has the form <unique-part@domain>.")


class UnusableMail(ValueError):
    """A message that cannot be written as mail servers read it: an address that is not one
    plain ASCII address, or a header with a line break. Sending it again would not help."""


def build_message(mail: Mail, *, sender: str, date: datetime | None = None) -> EmailMessage:
    """The MIME message: text and HTML as alternatives, attachments alongside them.

    The recipient goes in as one ASCII address (an internationalised domain as punycode); an
    address that cannot, or a header with a line break, is UnusableMail, never quoted."""
    try:
        to = mail_address(mail.to)
    except InvalidEmail:
        raise UnusableMail("the recipient's address cannot be written in a message") from None
    message = EmailMessage(policy=default_policy)
    try:
        message["From"] = sender
        message["To"] = to
        message["Subject"] = mail.subject
    except ValueError:  # a line break: it would start a header of its own
        raise UnusableMail("a header of the message holds a line break") from None
    message["Date"] = format_datetime(date or datetime.now(UTC))
    message["Message-ID"] = mail.message_id or make_msgid(domain=_domain_of(sender))
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        content_type = _parse_content_type(attachment.content_type)
        message.add_attachment(
            attachment.data,
            maintype=content_type.maintype,
            subtype=content_type.subtype,
            params=dict(content_type.params),
            filename=attachment.filename,
        )
    return message


_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def message_domain(sender: str, public_url: str = "") -> str:
    """The domain Message-IDs are made on: the site's own (PUBLIC_URL's host name), else the
    sender's mail domain, else localhost; never an IP address."""
    host = (urlsplit(public_url).hostname or "") if public_url else ""
    if _DOMAIN.fullmatch(host) and not host.replace(".", "").isdigit():
        return host
    _, at, domain = parseaddr(sender)[1].rpartition("@")
    return domain if at and _DOMAIN.fullmatch(domain) else "localhost"


def _domain_of(sender: str) -> str:
    """The sender's mail domain, so made-up Message-IDs need no DNS look-up of this host."""
    _, address = parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"


def _parse_content_type(value: str) -> ContentTypeHeader:
    """The type, subtype and parameters of a Content-Type value, with quoting handled."""
    header = default_policy.header_factory("Content-Type", value)
    if header.defects or "/" not in value:
        raise ValueError(f"An attachment has an unusable content type: {value!r}.")
    return header
