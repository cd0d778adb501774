"""Many messages over one SMTP connection, and the same MIME work done once.

A session opens its connection on the first message, sends each message as its own mail
transaction (a refused recipient or message fails that message alone: smtplib resets the
transaction and the connection carries on), and starts a fresh connection after
`max_messages` or when the server has dropped the one in hand. A message that finds a reused
connection closed is sent once more on a fresh one, as the server never took it.

Messages that differ only in their Message-ID (a burst of reminders for one consultation) are
written to the wire once: the bytes are kept with stand-ins for the Message-ID and Date headers,
which are filled in for each message.
"""

import contextlib
import smtplib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from email.generator import BytesGenerator
from email.utils import format_datetime, getaddresses, make_msgid
from io import BytesIO
from types import TracebackType
from typing import Protocol, Self

from finder.mail.message import Mail, _domain_of
from finder.mail.senders import MailNotSent, SmtpSender, _failure, _message

_STAND_IN_ID = "<finder-message-id-stand-in@stand-in.invalid>"
_STAND_IN_DATE = datetime(2000, 1, 1, tzinfo=UTC)
_STAND_IN_ID_BYTES = _STAND_IN_ID.encode()
_STAND_IN_DATE_BYTES = format_datetime(_STAND_IN_DATE).encode()
_KEPT = 64  # wire forms kept per session

_Wire = tuple[bytes, str, str]  # the bytes with stand-ins, the envelope's sender and recipient


class MailSession(Protocol):
    """Sends messages one after another; `close` ends it."""

    def send(self, mail: Mail) -> str: ...

    def close(self) -> None: ...


class OneByOne:
    """A session for a sender without sessions of its own: each message on its own."""

    def __init__(self, send: Callable[[Mail], str]) -> None:
        self._send = send

    def send(self, mail: Mail) -> str:
        return self._send(mail)

    def close(self) -> None:
        return None


def open_session(sender: object, max_messages: int) -> MailSession:
    """The sender's own session when it has one (SMTP), else one message at a time."""
    opener = getattr(sender, "session", None)
    if callable(opener):
        session: MailSession = opener(max_messages=max_messages)
        return session
    send: Callable[[Mail], str] = getattr(sender, "send")  # noqa: B009 - a Sender
    return OneByOne(send)


class SmtpSession:
    """One SMTP connection at a time for many messages; not shared between threads."""

    def __init__(self, sender: SmtpSender, *, max_messages: int) -> None:
        self.sender = sender
        self.max_messages = max(1, max_messages)
        self.connections = 0  # opened so far, for tests and the log
        self._smtp: smtplib.SMTP | None = None
        self._carried = 0
        self._wire: OrderedDict[Mail, _Wire | None] = OrderedDict()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def send(self, mail: Mail) -> str:
        """Hand one message over; MailNotSent concerns this message only."""
        mid = mail.message_id or make_msgid(domain=_domain_of(self.sender.from_address))
        mail = replace(mail, message_id=mid)
        wire = self._wire_form(mail)
        failure: MailNotSent | None = None
        for attempt in (1, 2):
            reused = self._smtp is not None
            try:
                self._send_once(mail, wire)
            except smtplib.SMTPServerDisconnected as error:
                self._drop()
                if reused and attempt == 1:
                    continue  # the server had closed the connection in hand: a fresh one
                failure = _failure(error)
            except smtplib.SMTPResponseException as error:
                if error.smtp_code == 421:
                    self._drop()  # the server is closing the connection
                failure = _failure(error)
            except smtplib.SMTPRecipientsRefused as error:
                failure = _failure(error)  # smtplib reset the transaction; the line is fine
            except (smtplib.SMTPException, OSError) as error:
                self._drop()
                failure = _failure(error)
            break
        if failure is not None:
            raise failure  # outside the handlers: a server's reply may quote the recipient
        return mid

    def close(self) -> None:
        """QUIT the connection in hand, if any."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def _send_once(self, mail: Mail, wire: _Wire | None) -> None:
        if self._smtp is None or self._carried >= self.max_messages:
            self.close()
            self._smtp = self.sender._open()
            self.connections += 1
            self._carried = 0
        self._carried += 1
        if wire is None:  # a non-ASCII address: smtplib writes it with SMTPUTF8 itself
            self._smtp.send_message(_message(mail, self.sender.from_address))
            return
        template, from_address, to = wire
        data = template.replace(_STAND_IN_ID_BYTES, (mail.message_id or "").encode(), 1).replace(
            _STAND_IN_DATE_BYTES, format_datetime(datetime.now(UTC)).encode(), 1
        )
        self._smtp.sendmail(from_address, [to], data)

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    def _wire_form(self, mail: Mail) -> _Wire | None:
        """The message's bytes with stand-ins, its envelope sender and recipient: built once
        per content. None for a message smtplib must write itself (non-ASCII addresses)."""
        key = replace(mail, message_id=None)
        if key in self._wire:
            self._wire.move_to_end(key)
            return self._wire[key]
        message = _message(
            replace(mail, message_id=_STAND_IN_ID), self.sender.from_address, _STAND_IN_DATE
        )
        sender = getaddresses([str(message["From"])])[0][1]
        to = getaddresses([str(message["To"])])[0][1]
        form: _Wire | None = None
        if (sender + to).isascii():
            buffer = BytesIO()
            BytesGenerator(buffer).flatten(message, linesep="\r\n")
            form = (buffer.getvalue(), sender, to)
        self._wire[key] = form
        if len(self._wire) > _KEPT:
            self._wire.popitem(last=False)
        return form
