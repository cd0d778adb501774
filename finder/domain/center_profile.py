"""The public profile a center's staff keep: which fields, and the check of a change to them."""

import re
from collections.abc import Mapping
from typing import Any

from finder.domain.contact import unsafe_text
from finder.domain.errors import DomainError
from finder.domain.products import POPULATIONS, ProductCatalog

# The fields staff may change, in the order the page shows them.
PROFILE_FIELDS = (
    "products",
    "populations",
    "phone",
    "referral_phone",
    "referral_fax",
    "referral_email",
    "accepting_referrals",
    "outpatient",
    "languages",
)
# Fields the centers file also holds: a load must not silently overwrite a confirmed value.
FILE_FIELDS = ("products", "populations", "phone")
MAX_LANGUAGES = 20
MAX_LANGUAGE_LENGTH = 40
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


class InvalidProfile(DomainError):
    """A profile change that names an unknown field or holds a value the profile cannot take."""

    code = "invalid_profile"


def check_profile_change(body: Any, catalog: ProductCatalog) -> dict[str, Any]:
    """The changed fields, each value in its stored form; InvalidProfile naming every problem.

    Products may be given by any of their names; phones in any common US writing."""
    if not isinstance(body, Mapping) or not body:
        raise InvalidProfile(
            f"Send an object with at least one of: {', '.join(PROFILE_FIELDS)}.",
            fields={"body": "no field to change"},
        )
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in body.items():
        if name not in PROFILE_FIELDS:
            problems[str(name)[:40]] = "not a profile field"
            continue
        try:
            values[name] = _CHECKS[name](value, catalog)
        except ValueError as error:
            problems[name] = str(error)
    if problems:
        listed = "; ".join(f"{name}: {problem}" for name, problem in sorted(problems.items()))
        raise InvalidProfile(f"Check the profile ({listed}).", fields=problems)
    return values


def _products(value: Any, catalog: ProductCatalog) -> list[str]:
    names = _strings(value, "product names")
    ids = []
    for name in names:
        product = catalog.resolve(name)
        if product is None:
            raise ValueError(f"unknown product (known: {', '.join(catalog.ids)})")
        ids.append(product)
    if len(set(ids)) != len(ids):
        raise ValueError("a product is listed twice")
    return [product for product in catalog.ids if product in ids]


def _populations(value: Any, catalog: ProductCatalog) -> list[str]:
    items = _strings(value, "populations")
    if any(item not in POPULATIONS for item in items) or len(set(items)) != len(items):
        raise ValueError("adult, pediatric or both, each once")
    return [population for population in POPULATIONS if population in items]


def _phone(value: Any, catalog: ProductCatalog) -> str:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("a US phone number as text, or empty to clear it")
    if not value.strip():
        return ""
    if re.search(r"[^\d\s()+.\-]", value):
        raise ValueError("a US phone number: digits, spaces, ( ) - . and + only")
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise ValueError("a US phone number has ten digits and an area code from 2 to 9")
    return f"+1-{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _email(value: Any, catalog: ProductCatalog) -> str:
    if not isinstance(value, str) or len(value) > 254:
        raise ValueError("an email address of at most 254 characters, or empty")
    text = value.strip()
    if text and not _EMAIL.match(text):
        raise ValueError("not an email address")
    return text


def _flag(value: Any, catalog: ProductCatalog) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError("true, false or null (not known)")
    return value


def _languages(value: Any, catalog: ProductCatalog) -> list[str]:
    items = [item.strip() for item in _strings(value, "languages")]
    if len(items) > MAX_LANGUAGES:
        raise ValueError(f"at most {MAX_LANGUAGES} languages")
    for item in items:
        if not item or len(item) > MAX_LANGUAGE_LENGTH or unsafe_text(item):
            raise ValueError(f"each language is 1 to {MAX_LANGUAGE_LENGTH} plain characters")
    if len({item.casefold() for item in items}) != len(items):
        raise ValueError("a language is listed twice")
    return items


def _strings(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"a list of {what}")
    if len(value) > 50:
        raise ValueError("too many items")
    return list(value)


_CHECKS = {
    "products": _products,
    "populations": _populations,
    "phone": _phone,
    "referral_phone": _phone,
    "referral_fax": _phone,
    "referral_email": _email,
    "accepting_referrals": _flag,
    "outpatient": _flag,
    "languages": _languages,
}
