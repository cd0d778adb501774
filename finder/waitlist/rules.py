"""What a waitlist request may say: local dates, and the patient only as initials or the
provider's own reference (email is not a secure channel, and the list is read by the center's
staff before any referral): a short token without spaces, never a name."""

import re
from datetime import date, timedelta
from typing import Any

from finder.domain.errors import DomainError

MAX_REFERENCE = 20
MAX_DAYS = 92
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_/#]{0,19}")


class InvalidWaitlistRequest(DomainError):
    """A request with bad fields; `fields` names each, never echoing a value."""

    code = "invalid_waitlist_request"


def check_request(values: dict[str, Any], *, today: date) -> tuple[date, date, str]:
    """The request's first and last local dates and its reference, or why not."""
    problems: dict[str, str] = {}
    first = _day(values.get("from"), "from", problems)
    last = _day(values.get("to"), "to", problems)
    reference = values.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        problems["reference"] = "required: the patient's initials or your reference"
    elif not REFERENCE.fullmatch(reference.strip()):
        problems["reference"] = (
            f"at most {MAX_REFERENCE} letters, digits or . - _ / #, without spaces: "
            "initials or a reference, never a name"
        )
    if first is not None and last is not None:
        if last < first:
            problems["to"] = "before from"
        elif last < today:
            problems["to"] = "in the past"
        elif (last - first).days > MAX_DAYS:
            problems["to"] = f"at most {MAX_DAYS} days after from"
        elif first > today + timedelta(days=366):
            problems["from"] = "more than a year ahead"
    if problems:
        raise InvalidWaitlistRequest(
            "Check the request: " + "; ".join(f"{k}: {v}" for k, v in problems.items()) + ".",
            fields=problems,
        )
    assert first is not None and last is not None and isinstance(reference, str)  # noqa: S101
    return max(first, today), last, reference.strip()


def _day(value: Any, name: str, problems: dict[str, str]) -> date | None:
    if not isinstance(value, str) or not value:
        problems[name] = "required: a date, YYYY-MM-DD"
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        problems[name] = "not a date, YYYY-MM-DD"
        return None
