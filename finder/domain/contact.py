"""Names, free text and email addresses as people type them: each may reach a mail header or
body, so a name is one line of printable text, free text holds no control characters, and an
address is one every mail server delivers (ASCII before the @, the domain in its IDNA form)."""

import re
import unicodedata

import idna

from finder.domain.errors import DomainError

MAX_EMAIL = 254  # RFC 5321's limit on a forward path
MAX_LOCAL_PART = 64
NOT_ALLOWED = "contains characters that are not allowed"
INVALID_EMAIL = "not a valid email address"
NON_ASCII_EMAIL = "use only ASCII letters, digits and . _ + - before the @"

# The dot-atom of RFC 5322: what a local part may hold without quotes. A quoted local part
# (a space, a comma) reads as two addresses to half the software on the way: not taken.
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# Embedding, override and isolate marks: they reorder what a reader sees ("Trojan Source").
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters, lone surrogates (no UTF-8 form), and the line and paragraph separators
# that mail and text software split lines at.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


class InvalidEmail(DomainError):
    """An address no mail server would deliver as written; `reason` says why."""

    code = "invalid_email"

    def __init__(self, reason: str, *, field: str = "email") -> None:
        message = (
            "Email addresses with characters beyond ASCII before the @ cannot be delivered by "
            "most mail servers; give another address."
            if reason == NON_ASCII_EMAIL
            else "Enter a valid email address."
        )
        super().__init__(message, fields={field: reason})
        self.reason = reason


def unsafe_text(text: str, *, multiline: bool = False) -> bool:
    """Whether the text holds a character no name or note may: a control character, a line
    break where one line is wanted, a lone surrogate, or a bidirectional override.

    Multi-line text may hold tabs and line feeds (write CR LF as LF before asking)."""
    for char in text:
        if multiline and char in "\t\n":
            continue
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES or char in _BIDI_CONTROLS:
            return True
    return False


def line_breaks_as_newlines(text: str) -> str:
    """Text from a form field: browsers send CR LF between the lines of a text area."""
    return text.replace("\r\n", "\n")


def email_problem(text: str) -> str | None:
    """Why the address cannot be taken, or None; see `mail_address`."""
    try:
        mail_address(text)
    except InvalidEmail as error:
        return error.reason
    return None


def mail_address(text: str) -> str:
    """The address as it goes into a To: header, the domain lowercased in its IDNA (punycode)
    form, or InvalidEmail. Non-ASCII before the @ needs SMTPUTF8, which few servers offer."""
    address = text.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or unsafe_text(address):
        raise InvalidEmail(INVALID_EMAIL)
    if not local.isascii():
        raise InvalidEmail(NON_ASCII_EMAIL)
    if len(local) > MAX_LOCAL_PART or not _LOCAL_PART.fullmatch(local):
        raise InvalidEmail(INVALID_EMAIL)
    ascii_domain = _ascii_domain(domain)
    if ascii_domain is None or len(local) + 1 + len(ascii_domain) > MAX_EMAIL:
        raise InvalidEmail(INVALID_EMAIL)
    return f"{local}@{ascii_domain}"


def _ascii_domain(domain: str) -> str | None:
    """The domain in ASCII (an internationalised one as punycode), or None if it is no domain
    name a message can be sent to (one label, an IP address, a trailing dot, bad characters)."""
    if len(domain) > 253 or domain.endswith("."):
        return None
    try:
        encoded = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None
    labels = encoded.split(".")
    if len(labels) < 2 or labels[-1].isdigit() or len(encoded) > 253:
        return None
    return encoded
