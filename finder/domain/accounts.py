"""Who may act: the roles, the password rule and the back-off after failed sign-ins."""

from collections.abc import Container
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import ClassVar

from finder.domain.contact import NOT_ALLOWED, unsafe_text
from finder.domain.errors import DomainError


class Role(StrEnum):
    ADMIN = "admin"  # everything
    STAFF = "staff"  # the calendars and referrals of their own centers
    PROVIDER = "provider"  # their own bookings and referrals


ROLES = tuple(role.value for role in Role)

MAX_ACCOUNT_TEXT = 200  # a user's name, a provider's practice
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128

# After this many failures in a row, each further failure locks sign-in for twice as long.
FREE_FAILURES = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


class WeakPassword(DomainError):
    code = "weak_password"
    MESSAGES: ClassVar[dict[str, str]] = {
        "short": f"Use at least {MIN_PASSWORD_LENGTH} characters.",
        "long": f"Use at most {MAX_PASSWORD_LENGTH} characters.",
        "common": "This password is too common; choose another.",
        "email": "The password must not be your email address.",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES[reason], fields={"password": reason})
        self.reason = reason


def check_password(password: str, *, email: str, common: Container[str]) -> None:
    """Refuse a password that is short, very long, common, or the account's own email."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword("short")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword("long")
    lowered = password.lower()
    if lowered in common or lowered.strip() in common:
        raise WeakPassword("common")
    local_part = email.lower().partition("@")[0]
    if lowered in (email.lower(), local_part):
        raise WeakPassword("email")


class InvalidAccountText(DomainError):
    """A name or practice that cannot go into a page or a message as one line of text."""

    code = "invalid_account"


def check_account_text(value: str, *, field: str) -> str:
    """A user's name or practice: one line of at most 200 printable characters, trimmed."""
    text = value.strip()
    if len(text) > MAX_ACCOUNT_TEXT:
        raise InvalidAccountText(
            f"Use at most {MAX_ACCOUNT_TEXT} characters for the {field}.",
            fields={field: f"at most {MAX_ACCOUNT_TEXT} characters"},
        )
    if unsafe_text(text):
        raise InvalidAccountText(
            f"Write the {field} on one line, without control characters.",
            fields={field: NOT_ALLOWED},
        )
    return text


def lock_after(failures: int) -> timedelta:
    """How long sign-in stays locked after `failures` failures in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doubled = FIRST_LOCK * (1 << min(failures - FREE_FAILURES, 12))
    return min(doubled, LONGEST_LOCK)


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the rules see them."""

    user_id: int
    role: Role
    center_ids: frozenset[str] = frozenset()

    def reaches_center(self, center_id: str) -> bool:
        return self.role is Role.ADMIN or center_id in self.center_ids

    def owns(self, provider_id: int) -> bool:
        return self.role is Role.ADMIN or self.user_id == provider_id


class InvalidCredentials(DomainError):
    """Wrong email or password; the message never says which."""

    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("The email or password is not correct.")


class SignInLocked(DomainError):
    """Too many failures in a row for this email; said the same whether the account exists."""

    code = "sign_in_locked"

    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, round(retry_after.total_seconds() / 60))
        super().__init__(
            f"Too many failed sign-ins for this email. Try again in {minutes} minute(s)."
        )
        self.retry_after = retry_after


class InvalidLink(DomainError):
    """A reset or invitation link that is unknown, used or expired; the three look alike."""

    code = "invalid_link"

    def __init__(self) -> None:
        super().__init__("This link is no longer valid. Ask for a new one.")
