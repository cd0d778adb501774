"""Handing messages over: to an SMTP server when SMTP_URL is set, else into .eml files."""

import contextlib
import functools
import logging
import math
import os
import secrets
import smtplib
import socket
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from finder.mail.message import Mail, UnusableMail, build_message

if TYPE_CHECKING:
    from finder.mail.sessions import SmtpSession

log = logging.getLogger("finder.mail")

DEFAULT_TIMEOUT = 10.0
DEFAULT_SESSION_MESSAGES = 100  # messages one SMTP connection carries before a fresh one
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
QUERY_PARAMETERS = ("starttls", "timeout")
TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no")

Security = Literal["none", "starttls", "tls"]


class MailNotSent(Exception):
    """The message was not handed over; `temporary` says whether trying again later may help."""

    def __init__(self, reason: str, *, temporary: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary


class Sender(Protocol):
    """Hands messages over for delivery; made from the configuration by the registry."""

    @classmethod
    def from_config(cls, smtp_url: str | None, *, mail_dir: Path, from_address: str) -> Self:
        """The sender for these settings."""
        ...

    def send(self, mail: Mail) -> str:
        """Hand the message over and return the Message-ID it carries."""
        ...


@dataclass(frozen=True)
class SmtpSender:
    """Delivers through an SMTP server: `send`, one connection per message; `session`, one
    connection for many."""

    host: str
    port: int
    from_address: str
    security: Security = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_config(cls, smtp_url: str | None, *, mail_dir: Path, from_address: str) -> Self:
        """The sender for SMTP_URL; the mail folder is not used."""
        if not smtp_url:
            raise ValueError("SMTP_URL is not set.")
        return cls.from_url(smtp_url, from_address=from_address)

    @classmethod
    def from_url(cls, url: str, *, from_address: str) -> Self:
        """Parse smtp://user:pass@host:587?starttls=1, smtps://… or smtp://host:25.

        Error messages never quote the URL: it may hold the password.
        """
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            parts = None  # Raised outside the handler so the parser's message is not chained.
        if parts is None or port == 0:
            raise ValueError("SMTP_URL cannot be read, or has a port outside 1 to 65535.")
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"SMTP_URL has the scheme {parts.scheme!r}; use smtp:// or smtps://.")
        if not parts.hostname:
            raise ValueError("SMTP_URL names no host.")
        if parts.path not in ("", "/") or parts.fragment:
            raise ValueError("SMTP_URL has something after the host and port other than a query.")
        if bool(parts.username) != bool(parts.password):
            raise ValueError("SMTP_URL needs both a user name and a password, or neither.")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        if not f"{username}{password}".isascii():
            raise ValueError("SMTP_URL has a non-ASCII user name or password; smtplib sends ASCII.")
        query = _parse_query(parts.query)
        starttls = _parse_flag(query.get("starttls", "0"))
        if starttls and parts.scheme == "smtps":
            raise ValueError("SMTP_URL asks for starttls on smtps://, which is TLS from the start.")
        security: Security = "tls" if parts.scheme == "smtps" else "none"
        if starttls:
            security = "starttls"
        default_port = DEFAULT_PORTS["smtp+starttls" if starttls else parts.scheme]
        return cls(
            host=parts.hostname,
            port=port or default_port,
            from_address=from_address,
            security=security,
            username=username,
            password=password,
            timeout=_parse_timeout(query.get("timeout")),
        )

    def send(self, mail: Mail) -> str:
        """Connect, log in when credentials are set, send, quit."""
        message = _message(mail, self.from_address)
        try:
            self._deliver(message)
        except (smtplib.SMTPException, OSError) as error:
            failure = _failure(error)
        else:
            return str(message["Message-ID"])
        # Raised outside the handler: a server's reply may quote the recipient, so no chaining.
        raise failure

    def session(self, max_messages: int = DEFAULT_SESSION_MESSAGES) -> "SmtpSession":
        """A session that carries up to `max_messages` messages per connection."""
        from finder.mail.sessions import SmtpSession

        return SmtpSession(self, max_messages=max_messages)

    def _deliver(self, message: EmailMessage) -> None:
        """One SMTP session; a failing QUIT does not undo a message the server accepted."""
        smtp = self._open()
        try:
            smtp.send_message(message)
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def _open(self) -> smtplib.SMTP:
        """A connection ready to take mail: encrypted as configured and logged in."""
        smtp = self._connect()
        try:
            if self.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.username is not None and self.password is not None:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _connect(self) -> smtplib.SMTP:
        """An open connection, encrypted from the start for smtps://."""
        name = _local_hostname()
        if self.security == "tls":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(
                self.host, self.port, name, timeout=self.timeout, context=context
            )
        return smtplib.SMTP(self.host, self.port, name, timeout=self.timeout)


@dataclass(frozen=True)
class LogSender:
    """The embedded default: keeps each message as an .eml file for the operator to read."""

    mail_dir: Path
    from_address: str

    @classmethod
    def from_config(cls, smtp_url: str | None, *, mail_dir: Path, from_address: str) -> Self:
        """The sender writing into the mail folder; SMTP_URL is not used."""
        return cls(mail_dir=Path(mail_dir), from_address=from_address)

    def send(self, mail: Mail) -> str:
        """Save the message, readable by this user only, and log where without what it says."""
        message = _message(mail, self.from_address)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.mail_dir / f"{stamp}-{secrets.token_hex(4)}.eml"
        try:
            self.mail_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_whole(path, message.as_bytes())
        except OSError as error:
            raise MailNotSent(
                f"could not write to the mail folder ({error.strerror})", temporary=True
            ) from error
        log.info("Saved an outgoing message to %s", path)
        return str(message["Message-ID"])


def _write_whole(path: Path, data: bytes) -> None:
    """Write the file whole or not at all: into a hidden temporary file of the same folder
    (mode 0600, not named .eml), synced to disk, then renamed into place; removed on failure."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    # The rename is on disk once the folder is synced; the message itself already is.
    with contextlib.suppress(OSError):
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _message(mail: Mail, sender: str, date: datetime | None = None) -> EmailMessage:
    """The MIME message, or a permanent MailNotSent for one no server would take as written."""
    try:
        return build_message(mail, sender=sender, date=date)
    except UnusableMail as error:
        reason = str(error)
    raise MailNotSent(reason, temporary=False)  # outside the handler: nothing chained


SENDERS: dict[str, type[Sender]] = {"smtp": SmtpSender, "log": LogSender}


def sender_from_config(smtp_url: str | None, *, mail_dir: Path, from_address: str) -> Sender:
    """SMTP when SMTP_URL is set, otherwise .eml files in mail_dir."""
    name = "smtp" if smtp_url else "log"
    return SENDERS[name].from_config(smtp_url, mail_dir=mail_dir, from_address=from_address)


@functools.cache
def _local_hostname() -> str:
    """The name this host greets servers with (smtplib would look it up for every connection)."""
    return socket.getfqdn()


def _parse_query(query: str) -> dict[str, str]:
    """The known query parameters, each at most once; parameter names are not echoed."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(name not in QUERY_PARAMETERS for name, _ in pairs):
        raise ValueError("SMTP_URL has a query parameter other than starttls and timeout.")
    if len(pairs) != len({name for name, _ in pairs}):
        raise ValueError("SMTP_URL repeats a query parameter.")
    return dict(pairs)


def _parse_flag(value: str) -> bool:
    """starttls=1 or starttls=0 (true/false and yes/no also do)."""
    if value.lower() not in TRUE + FALSE:
        raise ValueError("SMTP_URL has a starttls value other than 1 or 0.")
    return value.lower() in TRUE


def _parse_timeout(value: str | None) -> float:
    """Seconds to wait on the server, a positive number."""
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError("SMTP_URL has a timeout that is not a positive number of seconds.")
    return seconds


def _failure(error: smtplib.SMTPException | OSError) -> MailNotSent:
    """A short reason, without the server's text; 4xx replies and lost connections are retried."""
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        return MailNotSent(f"the SMTP server replied {code}", temporary=400 <= code < 500)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        reason = f"the SMTP server refused the recipient ({codes[0]})"
        return MailNotSent(reason, temporary=all(400 <= code < 500 for code in codes))
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return MailNotSent("the SMTP server closed the connection", temporary=True)
    if isinstance(error, ssl.SSLCertVerificationError):
        return MailNotSent("the SMTP server's TLS certificate was not accepted", temporary=False)
    if isinstance(error, OSError):
        name = type(error).__name__
        return MailNotSent(f"could not reach the SMTP server ({name})", temporary=True)
    # Such as no AUTH or STARTTLS offered: the configuration needs changing, not a retry.
    return MailNotSent(f"the SMTP exchange failed ({type(error).__name__})", temporary=False)
