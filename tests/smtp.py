"""Pytest fixtures: a real SMTP server (aiosmtpd) on a free local port, run in a thread."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any, cast
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"


class SmtpServer:
    """The running server as tests see it, and the aiosmtpd handler recording what arrives."""

    def __init__(self, username: str | None = None, password: str | None = None) -> None:
        self.host = HOST
        self.port = 0
        self.username = username
        self.password = password
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []  # The envelope's RCPT TO, parallel to messages.
        self.reply = "250 OK"  # What DATA is answered with; set a 4xx or 5xx to refuse mail.
        self.delay = 0.0  # Seconds each message takes to be accepted, as a busy server's would.
        # Recipients refused at RCPT TO, with the reply to give, e.g. "550 5.1.1 No such user".
        self.refused_recipients: dict[str, str] = {}
        self.peers: list[object] = []  # The client's address and port per message: its connection.
        self._arrived = threading.Condition()

    @property
    def url(self) -> str:
        """The SMTP_URL for this server, with the credentials URL-encoded if it has any."""
        if self.username is None or self.password is None:
            return f"smtp://{self.host}:{self.port}"
        user, password = quote(self.username, safe=""), quote(self.password, safe="")
        return f"smtp://{user}:{password}@{self.host}:{self.port}"

    def wait_for(self, count: int, timeout: float = 5) -> None:
        """Block until at least `count` messages have arrived, or fail the test."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                pytest.fail(f"expected {count} messages, {len(self.messages)} arrived")

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """Accept AUTH LOGIN or PLAIN with exactly the configured credentials.

        aiosmtpd 1.4 then logs "Session.login_data is deprecated" itself (aiosmtpd#347).
        """
        login = cast(LoginPassword, data)
        expected = (self.username or "").encode(), (self.password or "").encode()
        # handled=False lets aiosmtpd answer a refusal with 535 itself.
        return AuthResult(success=(login.login, login.password) == expected, handled=False)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Refuse to take mail before a successful AUTH when credentials are configured."""
        if self.username is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        """Refuse the recipients told to, take the others."""
        refusal = self.refused_recipients.get(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message, parsed as mail clients would, unless told to refuse it."""
        if not self.reply.startswith("250"):
            return self.reply
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = cast(bytes, envelope.original_content)
        message = cast(EmailMessage, BytesParser(policy=default_policy).parsebytes(raw))
        with self._arrived:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
            self.peers.append(session.peer)
            self._arrived.notify_all()
        return self.reply


class FreePortController(Controller):
    """Binds port 0 and reads back the port the system chose: aiosmtpd 1.4 cannot on its own."""

    def _trigger_server(self) -> None:
        """Learn the real port before aiosmtpd connects to it to check the server is up."""
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def running(server: SmtpServer) -> Iterator[SmtpServer]:
    """The server listening in its own thread; AUTH is offered without TLS, on loopback only."""
    authentication: dict[str, Any] = {}
    if server.username is not None:
        authentication = {"authenticator": server.authenticate, "auth_require_tls": False}
    controller = FreePortController(
        server, hostname=HOST, port=0, server_hostname="smtp.test", **authentication
    )
    controller.start()
    server.port = controller.port
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server taking any mail without authentication."""
    with running(SmtpServer()) as server:
        yield server


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpServer]:
    """An SMTP server taking mail only after AUTH with .username and .password."""
    with running(SmtpServer(username="finder@example.org", password="p@ss:w/rd%20?#")) as server:
        yield server
