"""What a sender does with a message no server would take as written (an address that is not one
plain ASCII address, a header with a line break): a permanent failure that quotes nothing,
never a crash; an internationalised domain goes out as punycode. And the mail folder's .eml
files are written whole or not at all."""

import errno
import io
import os
from dataclasses import replace
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest

from finder.mail import LogSender, Mail, MailNotSent, SmtpSender, build_message
from finder.mail.message import UnusableMail
from tests.smtp import SmtpServer

FROM = "CAR T Finder <noreply@finder.example>"
MAIL = Mail(
    to="patient@example.org",
    subject="Your CAR T consultation is booked",
    text="See you on Monday.",
    html="<p>See you on Monday.</p>",
)
UNUSABLE = {
    "a non-ASCII local part": {"to": "josé@example.org"},
    "two addresses": {"to": "a@example.org, b@example.org"},
    "a line break in the address": {"to": "a@example.org\r\nBcc: b@example.org"},
    "a line break in the subject": {"subject": "Booked\r\nBcc: b@example.org"},
    "a Unicode line separator in the subject": {"subject": "Booked\u2028Bcc: b@example.org"},
}


def test_an_internationalised_domain_arrives_as_punycode_in_a_well_formed_to(smtp_server):
    mail = replace(MAIL, to="patient@bücher.example")
    SmtpSender.from_url(smtp_server.url, from_address=FROM).send(mail)
    smtp_server.wait_for(1)
    [received] = smtp_server.messages
    assert smtp_server.recipients == [["patient@xn--bcher-kva.example"]]
    [address] = received["To"].addresses
    assert address.addr_spec == "patient@xn--bcher-kva.example"
    assert not received["To"].defects
    raw = received.as_bytes()
    assert b"To: patient@xn--bcher-kva.example\n" in raw.replace(b"\r\n", b"\n")
    assert b"=?utf-8?" not in raw.split(b"\n\n", 1)[0].split(b"To:", 1)[1].split(b"\n", 1)[0]


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_the_smtp_sender_refuses_an_unusable_message_for_good_and_sends_nothing(
    smtp_server: SmtpServer, case: str
) -> None:
    mail = replace(MAIL, **UNUSABLE[case])
    with pytest.raises(MailNotSent) as refused:
        SmtpSender.from_url(smtp_server.url, from_address=FROM).send(mail)
    assert refused.value.temporary is False
    assert "josé" not in refused.value.reason and "b@example.org" not in refused.value.reason
    assert refused.value.__cause__ is None and refused.value.__context__ is None
    assert smtp_server.messages == []


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_the_mail_folder_refuses_an_unusable_message_for_good_and_writes_nothing(
    tmp_path: Path, case: str
) -> None:
    mail = replace(MAIL, **UNUSABLE[case])
    with pytest.raises(MailNotSent) as refused:
        LogSender(mail_dir=tmp_path, from_address=FROM).send(mail)
    assert refused.value.temporary is False
    assert list(tmp_path.iterdir()) == []


def test_build_message_names_the_problem_without_quoting_the_address() -> None:
    with pytest.raises(UnusableMail) as refused:
        build_message(replace(MAIL, to="josé@example.org"), sender=FROM)
    assert "josé" not in str(refused.value)


def test_the_mail_folder_writes_the_punycode_address_too(tmp_path: Path) -> None:
    LogSender(mail_dir=tmp_path, from_address=FROM).send(replace(MAIL, to="a@bücher.example"))
    [saved] = tmp_path.glob("*.eml")
    message = BytesParser(policy=default_policy).parsebytes(saved.read_bytes())
    assert message["To"].addresses[0].addr_spec == "a@xn--bcher-kva.example"


class FailingHalfway(io.BufferedWriter):
    """A file that takes half of what is written, then fails as a full disk would."""

    def write(self, data) -> int:  # type: ignore[override]
        super().write(bytes(data)[: len(data) // 2])
        super().flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _halfway_fdopen(descriptor: int, mode: str = "r", *args, **kwargs):
    assert mode == "wb"
    return FailingHalfway(io.FileIO(descriptor, "w"))


def test_a_failure_mid_write_leaves_no_eml_and_no_partial_file(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("finder.mail.senders.os.fdopen", _halfway_fdopen)
    with pytest.raises(MailNotSent) as refused:
        LogSender(mail_dir=tmp_path, from_address=FROM).send(MAIL)
    assert refused.value.temporary is True
    assert "No space left on device" in refused.value.reason
    assert list(tmp_path.iterdir()) == []


def test_a_failure_before_the_rename_leaves_nothing_either(tmp_path: Path, monkeypatch):
    def fail(_descriptor: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr("finder.mail.senders.os.fsync", fail)
    with pytest.raises(MailNotSent):
        LogSender(mail_dir=tmp_path, from_address=FROM).send(MAIL)
    assert list(tmp_path.iterdir()) == []


def test_an_interruption_mid_write_leaves_nothing_and_is_not_swallowed(tmp_path, monkeypatch):
    def interrupted(_source: str, _target: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("finder.mail.senders.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        LogSender(mail_dir=tmp_path, from_address=FROM).send(MAIL)
    assert list(tmp_path.iterdir()) == []


def test_the_file_appears_whole_under_its_eml_name_only_after_it_is_on_disk(
    tmp_path: Path, monkeypatch
):
    seen: list[list[str]] = []
    real_replace = os.replace

    def watching(source: str, target: Path) -> None:
        seen.append(sorted(path.name for path in tmp_path.iterdir()))
        real_replace(source, target)

    monkeypatch.setattr("finder.mail.senders.os.replace", watching)
    LogSender(mail_dir=tmp_path, from_address=FROM).send(MAIL)
    [before] = seen
    assert len(before) == 1 and before[0].startswith(".") and not before[0].endswith(".eml")
    [saved] = tmp_path.iterdir()
    assert saved.suffix == ".eml" and saved.stat().st_mode & 0o777 == 0o600
    assert BytesParser(policy=default_policy).parsebytes(saved.read_bytes())["Subject"] == (
        MAIL.subject
    )
