"""An SMTP session carries many messages over one connection (against a real aiosmtpd server):
bounded per connection, a fresh one when the server dropped it, and a refusal that concerns one
message leaves the others and the connection alone."""

import socket
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy

import pytest

from finder.mail import Attachment, Mail, MailNotSent, SmtpSender, build_message
from finder.mail.sessions import OneByOne, open_session

SENDER = "Finder <reminders@finder.test>"
INVITE = Attachment("consultation-1.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\n")


def mail(number: int, to: str = "dr.lee@clinic.example") -> Mail:
    return Mail(
        to=to,
        subject="Reminder: CAR T consultation on Mon 15 Mar at 9:00 AM EDT",
        text="A reminder of the consultation.\n.\nA line with a dot, and é.",
        html="<p>A reminder of the consultation, é.</p>",
        attachments=(INVITE,),
        message_id=f"<reminder-{number}@finder.test>",
    )


@pytest.fixture
def sender(smtp_server) -> SmtpSender:
    return SmtpSender.from_url(smtp_server.url, from_address=SENDER)


def test_one_connection_carries_many_messages(smtp_server, sender):
    with sender.session(max_messages=100) as session:
        for number in range(12):
            assert session.send(mail(number)) == f"<reminder-{number}@finder.test>"
    assert session.connections == 1
    assert len(set(smtp_server.peers)) == 1
    ids = [str(message["Message-ID"]) for message in smtp_server.messages]
    assert ids == [f"<reminder-{number}@finder.test>" for number in range(12)]


def test_a_connection_carries_at_most_the_bound(smtp_server, sender):
    with sender.session(max_messages=5) as session:
        for number in range(12):
            session.send(mail(number))
    assert session.connections == 3
    assert len(set(smtp_server.peers)) == 3
    assert len(smtp_server.messages) == 12


def test_the_message_arrives_as_one_sent_on_its_own_would(smtp_server, sender):
    with sender.session() as session:
        session.send(mail(1))
        session.send(mail(2))
    sender.send(mail(3))
    first, second, alone = smtp_server.messages
    for message in (first, second):
        assert message["Subject"] == alone["Subject"]
        assert message["From"] == alone["From"] and message["To"] == alone["To"]
        assert message["Date"] and message["Date"] != "Sat, 01 Jan 2000 00:00:00 +0000"
        assert _parts(message) == _parts(alone)
    assert str(second["Message-ID"]) == "<reminder-2@finder.test>"
    rebuilt = build_message(mail(1), sender=SENDER)
    assert _parts(first) == _parts(rebuilt)


def test_a_refused_recipient_fails_only_its_own_message(smtp_server, sender):
    smtp_server.refused_recipients["gone@clinic.example"] = "550 5.1.1 No such user"
    smtp_server.refused_recipients["full@clinic.example"] = "452 4.2.2 Mailbox full"
    outcomes = []
    with sender.session() as session:
        for number, to in enumerate(
            ["a@clinic.example", "gone@clinic.example", "b@clinic.example",
             "full@clinic.example", "c@clinic.example"]
        ):  # fmt: skip
            try:
                session.send(mail(number, to))
                outcomes.append("sent")
            except MailNotSent as error:
                outcomes.append(("temporary" if error.temporary else "permanent", error.reason))
    assert outcomes == [
        "sent",
        ("permanent", "the SMTP server refused the recipient (550)"),
        "sent",
        ("temporary", "the SMTP server refused the recipient (452)"),
        "sent",
    ]
    assert session.connections == 1
    assert [r for rs in smtp_server.recipients for r in rs] == [
        "a@clinic.example", "b@clinic.example", "c@clinic.example"
    ]  # fmt: skip
    # The reason never quotes the server's text or the address.
    assert all("gone@" not in str(o) and "No such" not in str(o) for o in outcomes)


def test_a_refused_message_fails_alone_and_the_next_goes_out(smtp_server, sender):
    with sender.session() as session:
        session.send(mail(1))
        smtp_server.reply = "554 5.7.1 Rejected"
        with pytest.raises(MailNotSent) as refused:
            session.send(mail(2))
        smtp_server.reply = "250 OK"
        session.send(mail(3))
    assert not refused.value.temporary
    assert session.connections == 1
    assert [str(m["Message-ID"]) for m in smtp_server.messages] == [
        "<reminder-1@finder.test>", "<reminder-3@finder.test>"
    ]  # fmt: skip


def test_a_dropped_connection_is_replaced_and_the_message_goes_out(smtp_server, sender):
    with sender.session() as session:
        session.send(mail(1))
        session._smtp.sock.shutdown(socket.SHUT_RDWR)  # as when the server drops an idle one
        session.send(mail(2))
    assert session.connections == 2
    assert len(smtp_server.messages) == 2


def test_an_unreachable_server_is_a_temporary_failure():
    sender = SmtpSender.from_url("smtp://127.0.0.1:9?timeout=2", from_address=SENDER)
    with sender.session() as session, pytest.raises(MailNotSent) as failed:
        session.send(mail(1))
    assert failed.value.temporary


def test_an_address_no_server_takes_fails_without_a_connection(smtp_server, sender):
    with sender.session() as session, pytest.raises(MailNotSent) as failed:
        session.send(mail(1, to="josé@x.org"))
    assert not failed.value.temporary
    assert session.connections == 0


def test_a_sender_without_sessions_sends_one_by_one(tmp_path):
    class Plain:
        def __init__(self) -> None:
            self.sent: list[Mail] = []

        def send(self, message: Mail) -> str:
            self.sent.append(message)
            return str(message.message_id)

    plain = Plain()
    session = open_session(plain, max_messages=10)
    assert isinstance(session, OneByOne)
    session.send(mail(1))
    session.close()
    assert len(plain.sent) == 1


def _parts(message: EmailMessage) -> list[tuple[str, bytes]]:
    parsed = BytesParser(policy=default_policy).parsebytes(message.as_bytes())
    return [
        (part.get_content_type(), part.get_payload(decode=True) or b"")
        for part in parsed.walk()
        if not part.is_multipart()
    ]
