"""Outgoing mail: password resets and invitations now, consultation reminders later.

Messages go to the SMTP server named by SMTP_URL, or, when it is unset, into .eml files
in a folder, so that a fresh install works without a mail server.
"""

from finder.mail.message import Attachment, Mail, build_message, message_domain
from finder.mail.senders import (
    SENDERS,
    LogSender,
    MailNotSent,
    Sender,
    SmtpSender,
    sender_from_config,
)

__all__ = [
    "SENDERS",
    "Attachment",
    "LogSender",
    "Mail",
    "MailNotSent",
    "Sender",
    "SmtpSender",
    "build_message",
    "message_domain",
    "sender_from_config",
]
