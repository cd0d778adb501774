"""Argon2id password hashes and the list of common passwords."""

import gzip
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from finder.config import PROJECT_ROOT
from finder.domain.accounts import check_password

COMMON_PASSWORDS = PROJECT_ROOT / "data" / "common-passwords.txt.gz"
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def hash_password(password: str, *, email: str) -> str:
    """The stored hash of an acceptable password; a weak one raises WeakPassword."""
    check_password(password, email=email, common=common_passwords())
    return _hasher.hash(password)


@cache
def _stand_in_hash() -> str:
    return _hasher.hash("no account has this password")


def verify_password(stored: str | None, password: str) -> bool:
    """Whether the password matches; an account without a hash costs the same time."""
    try:
        return _hasher.verify(stored or _stand_in_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
