"""Which changes at their centers a staff member can be mailed about, and an account's clock.

A staff member chooses any of the kinds below (none by default), mailed as each happens or
gathered in one digest a day. The mails name the patient by initials only.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BOOKED = "booked"
MOVED = "moved"
CANCELLED = "cancelled"
REFERRED = "referred"
NOTICE_KINDS = (BOOKED, MOVED, CANCELLED, REFERRED)

# The outbox's kinds (ReminderRow.kind, at most 16 characters) and the staff recipient.
STAFF = "staff"
STAFF_KINDS = {
    BOOKED: "staff_booked",
    MOVED: "staff_moved",
    CANCELLED: "staff_cancelled",
    REFERRED: "staff_referred",
}
STAFF_DIGEST = "staff_digest"
DISPLACED = "displaced"  # to the provider: their booking needs a new time

HOUR_CYCLES = ("12", "24")
DIGEST_HOUR = 7  # the digest goes out at 07:00 in the staff member's zone


def chosen(kinds: object) -> list[str]:
    """The known kinds among those stored or asked for, in their usual order."""
    given = set(kinds) if isinstance(kinds, list | tuple | set | frozenset) else set()
    return [kind for kind in NOTICE_KINDS if kind in given]


def next_digest(now: datetime, zone: str) -> datetime:
    """The next 07:00 in `zone` after `now`."""
    local = now.astimezone(ZoneInfo(zone))
    day: date = local.date()
    at = datetime.combine(day, time(DIGEST_HOUR), tzinfo=ZoneInfo(zone))
    if at <= local:
        at = datetime.combine(day + timedelta(days=1), time(DIGEST_HOUR), tzinfo=ZoneInfo(zone))
    return at


def clock_pattern(hour_cycle: str, default: str) -> str:
    """The babel pattern for a time of day under the account's choice."""
    if hour_cycle == "12":
        return "h:mm a"
    if hour_cycle == "24":
        return "HH:mm"
    return default
