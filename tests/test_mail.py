"""Outgoing mail: what reaches a real SMTP server, how SMTP_URL is read, what the log keeps."""

import logging
import socket
import traceback
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest

from finder.mail import (
    Attachment,
    LogSender,
    Mail,
    MailNotSent,
    SmtpSender,
    build_message,
    sender_from_config,
)
from tests.smtp import SmtpServer

FROM = "CAR T Finder <noreply@finder.example>"
PASSWORD = "hunter2-Geheim"
LOGIN = f"user:{PASSWORD}@mail.example"  # Credentials and host of the malformed URLs.
CALENDAR = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Beratung\r\nEND:VCALENDAR\r\n"
INVITATION = Attachment("beratung.ics", "text/calendar; method=REQUEST", CALENDAR)


# A consultation reminder with non-ASCII text, as the application would write one.
REMINDER = Mail(
    to="patient@example.org",
    subject="Ihre Beratung in Zürich",
    text="Ihr Termin ist am 3. März um 9:30.",
    html="<p>Ihr Termin ist am <b>3. März</b> um 9:30.</p>",
)


def send_through(server: SmtpServer, mail: Mail) -> EmailMessage:
    """Send one message through the test server and return it as received."""
    SmtpSender.from_url(server.url, from_address=FROM).send(mail)
    server.wait_for(1)
    return server.messages[0]


def logged_error(error: BaseException) -> str:
    """The error as it would appear in a log, with anything chained to it."""
    return "".join(traceback.format_exception(error))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that is bound but not listening, so connecting to it is refused."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


def test_text_and_html_arrive_as_alternatives(smtp_server: SmtpServer) -> None:
    received = send_through(smtp_server, REMINDER)

    assert received.get_content_type() == "multipart/alternative"
    assert received.get_body(("plain",)).get_content().strip() == REMINDER.text
    assert received.get_body(("html",)).get_content().strip() == REMINDER.html
    assert str(received["Subject"]) == "Ihre Beratung in Zürich"


def test_an_ics_attachment_arrives_intact_beside_text_and_html(smtp_server: SmtpServer) -> None:
    received = send_through(smtp_server, replace(REMINDER, attachments=(INVITATION,)))

    assert received.get_content_type() == "multipart/mixed"
    assert received.get_body(("plain",)).get_content().strip() == REMINDER.text
    assert received.get_body(("html",)).get_content().strip() == REMINDER.html
    [attachment] = received.iter_attachments()
    assert attachment.get_filename() == "beratung.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_payload(decode=True) == CALENDAR


def test_the_message_goes_to_the_recipient_from_the_configured_sender(
    smtp_server: SmtpServer,
) -> None:
    received = send_through(smtp_server, REMINDER)

    assert smtp_server.recipients == [["patient@example.org"]]
    assert received["From"] == FROM
    assert received["To"] == "patient@example.org"
    assert received["Date"] is not None


def test_the_given_message_id_is_the_one_received(smtp_server: SmtpServer) -> None:
    message_id = "<consultation-42-reminder@finder.example>"
    sender = SmtpSender.from_url(smtp_server.url, from_address=FROM)

    returned = sender.send(replace(REMINDER, message_id=message_id))

    smtp_server.wait_for(1)
    assert returned == message_id
    assert smtp_server.messages[0]["Message-ID"] == message_id


def test_a_message_id_is_made_in_the_senders_domain_when_none_is_given(
    smtp_server: SmtpServer,
) -> None:
    returned = SmtpSender.from_url(smtp_server.url, from_address=FROM).send(REMINDER)

    smtp_server.wait_for(1)
    assert returned.endswith("@finder.example>")
    assert smtp_server.messages[0]["Message-ID"] == returned


def test_a_message_without_html_is_plain_text_only() -> None:
    message = build_message(replace(REMINDER, html=""), sender=FROM)

    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == REMINDER.text


def test_a_message_id_without_angle_brackets_and_domain_is_refused() -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        replace(REMINDER, message_id="consultation-42")


def test_credentials_in_the_url_are_decoded_and_used_to_log_in(
    smtp_auth_server: SmtpServer,
) -> None:
    assert "%" in smtp_auth_server.url  # The password has characters a URL must escape.

    received = send_through(smtp_auth_server, REMINDER)

    assert received["To"] == "patient@example.org"


def test_a_wrong_password_is_a_permanent_failure(smtp_auth_server: SmtpServer) -> None:
    url = f"smtp://finder%40example.org:{PASSWORD}@127.0.0.1:{smtp_auth_server.port}"

    with pytest.raises(MailNotSent) as refused:
        SmtpSender.from_url(url, from_address=FROM).send(REMINDER)

    assert refused.value.temporary is False
    assert "535" in refused.value.reason
    assert PASSWORD not in logged_error(refused.value)
    assert smtp_auth_server.messages == []


def test_a_refused_connection_is_a_temporary_failure(closed_port: int) -> None:
    sender = SmtpSender.from_url(f"smtp://127.0.0.1:{closed_port}", from_address=FROM)

    with pytest.raises(MailNotSent) as refused:
        sender.send(REMINDER)

    assert refused.value.temporary is True
    assert "ConnectionRefusedError" in refused.value.reason


@pytest.mark.parametrize(
    ("reply", "temporary"),
    [("451 4.3.0 Try again later", True), ("554 5.7.1 Not accepted", False)],
    ids=["4xx-temporary", "5xx-permanent"],
)
def test_a_refusal_is_temporary_for_4xx_and_permanent_for_5xx(
    smtp_server: SmtpServer, reply: str, temporary: bool
) -> None:
    smtp_server.reply = reply

    with pytest.raises(MailNotSent) as refused:
        SmtpSender.from_url(smtp_server.url, from_address=FROM).send(REMINDER)

    assert refused.value.temporary is temporary
    assert refused.value.reason == f"the SMTP server replied {reply[:3]}"


def test_a_refusal_quotes_neither_the_server_nor_the_recipient(smtp_server: SmtpServer) -> None:
    smtp_server.reply = "550 5.1.1 <patient@example.org>: mailbox unavailable"

    with pytest.raises(MailNotSent) as refused:
        SmtpSender.from_url(smtp_server.url, from_address=FROM).send(REMINDER)

    assert "patient@example.org" not in logged_error(refused.value)
    assert "mailbox" not in logged_error(refused.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"smtp://user:{PASSWORD}@mail.example:587?starttls=1",
            ("starttls", "mail.example", 587, "user", PASSWORD, 10.0),
        ),
        (
            f"smtps://user:{PASSWORD}@mail.example:465",
            ("tls", "mail.example", 465, "user", PASSWORD, 10.0),
        ),
        ("smtp://relay.internal:25", ("none", "relay.internal", 25, None, None, 10.0)),
        (
            "smtp://us%40er:p%40ss%2Fw%3F@mail.example?starttls=1&timeout=2.5",
            ("starttls", "mail.example", 587, "us@er", "p@ss/w?", 2.5),
        ),
        ("smtps://mail.example", ("tls", "mail.example", 465, None, None, 10.0)),
        ("smtp://relay.internal", ("none", "relay.internal", 25, None, None, 10.0)),
    ],
    ids=["starttls", "implicit-tls", "no-auth", "url-encoded", "smtps-port", "smtp-port"],
)
def test_smtp_url_documented_forms_are_accepted(url: str, expected: tuple[object, ...]) -> None:
    sender = SmtpSender.from_url(url, from_address=FROM)

    got = (sender.security, sender.host, sender.port, sender.username, sender.password)
    assert (*got, sender.timeout) == expected
    assert PASSWORD not in repr(sender)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        pytest.param(f"http://{LOGIN}", "scheme 'http'", id="scheme"),
        pytest.param(f"smtp://user:{PASSWORD}@:587", "no host", id="no-host"),
        pytest.param(f"smtp://{LOGIN}:submission", "port", id="port-name"),
        pytest.param(f"smtp://{LOGIN}:70000", "port", id="port-range"),
        pytest.param(f"smtp://{LOGIN}:0", "port", id="port-zero"),
        pytest.param(f"smtp://{LOGIN}?tls=1", "query parameter", id="unknown-query"),
        pytest.param(f"smtp://{LOGIN}?timeout=1&timeout=2", "repeats", id="repeated-query"),
        pytest.param(f"smtp://{LOGIN}?starttls=maybe", "starttls", id="starttls-value"),
        pytest.param(f"smtp://{LOGIN}?timeout=-1", "timeout", id="negative-timeout"),
        pytest.param(f"smtp://{LOGIN}?timeout=soon", "timeout", id="timeout-text"),
        pytest.param(f"smtps://{LOGIN}?starttls=1", "starttls", id="starttls-on-smtps"),
        pytest.param(f"smtp://{LOGIN}/inbox", "after the host", id="path"),
        pytest.param(f"smtp://user:{PASSWORD}é@mail.example", "non-ASCII", id="non-ascii"),
        pytest.param("smtp://user@mail.example", "both", id="user-without-password"),
        pytest.param(f"smtp://:{PASSWORD}@mail.example", "both", id="password-without-user"),
        # Unescaped "/" and "?" in a password: the parser sees a port, or a query, in it.
        pytest.param(f"smtp://user:{PASSWORD}/x@mail.example", "port", id="slash-in-password"),
        pytest.param(f"smtp://user:12?{PASSWORD}@mail.example", "query", id="question-mark"),
    ],
)
def test_a_malformed_smtp_url_is_refused_without_echoing_the_password(
    url: str, problem: str
) -> None:
    with pytest.raises(ValueError, match="SMTP_URL") as refused:
        SmtpSender.from_url(url, from_address=FROM)

    assert problem in str(refused.value)
    assert PASSWORD not in logged_error(refused.value)


def test_smtp_is_used_when_smtp_url_is_set_and_eml_files_otherwise(tmp_path: Path) -> None:
    configured = sender_from_config("smtp://relay.internal", mail_dir=tmp_path, from_address=FROM)
    unset = sender_from_config(None, mail_dir=tmp_path, from_address=FROM)

    assert isinstance(configured, SmtpSender)
    assert unset == LogSender(mail_dir=tmp_path, from_address=FROM)


def test_without_smtp_url_each_message_is_saved_as_an_eml_file(tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail"  # Created on first use.
    sender = sender_from_config(None, mail_dir=mail_dir, from_address=FROM)

    message_id = sender.send(replace(REMINDER, attachments=(INVITATION,)))

    [saved] = mail_dir.glob("*.eml")
    assert "patient" not in saved.name
    assert saved.stat().st_mode & 0o777 == 0o600
    message = BytesParser(policy=default_policy).parsebytes(saved.read_bytes())
    assert message["Message-ID"] == message_id
    assert message["Subject"] == "Ihre Beratung in Zürich"
    assert [part.get_filename() for part in message.iter_attachments()] == ["beratung.ics"]


def test_the_log_line_gives_the_file_but_not_recipient_subject_or_body(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="finder.mail")

    LogSender(mail_dir=tmp_path, from_address=FROM).send(REMINDER)

    [record] = caplog.records
    [saved] = tmp_path.glob("*.eml")
    assert (record.name, record.levelno) == ("finder.mail", logging.INFO)
    assert str(saved) in record.getMessage()
    for private in (REMINDER.to, REMINDER.subject, REMINDER.text, "patient", "Zürich", "März"):
        assert private not in record.getMessage()
