"""`finder demo`: accounts and consultation hours to try booking in a minute.

Only ever run on request: it sets known accounts' passwords, so nothing else calls it.
"""

import secrets
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from finder import wiring
from finder.accounts.use_cases import provide_account
from finder.audit import Origin
from finder.booking import calendar
from finder.booking.use_cases.calendar import add_closure, change_hours
from finder.domain.accounts import Actor, Role
from finder.domain.availability import parse_availability, parse_closure
from finder.domain.centers import Center
from finder.domain.errors import UnknownReference
from finder.domain.holidays import holidays_between
from finder.extensions import current_catalog
from finder.public_url import public_link
from finder.storage import db
from finder.storage.models import UserRow

# One center in the East, one in the middle, one on the West Coast: three time zones.
DEMO_CENTERS = ("dana-farber-boston", "md-anderson-houston", "fred-hutch-seattle")
STAFF_EMAIL = "demo.staff@example.org"
PROVIDER_EMAIL = "demo.provider@example.org"
SIGN_IN_URL = "http://127.0.0.1:5000/sign-in"  # with the default PUBLIC_URL
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
DEMO_HOURS = {
    "weekly": [
        {"day": day, "start": start, "end": end}
        for day in WEEKDAYS
        for start, end in (("09:00", "12:00"), ("13:00", "16:00"))
    ],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 2,
    "min_notice_hours": 24,
    "horizon_days": 60,
}
ORIGIN = Origin(user_agent="finder demo")


def _password() -> str:
    return secrets.token_urlsafe(12)


def _demo_account(now: datetime, **details: Any) -> tuple[UserRow, str]:
    """The account with a fresh password: created, or reused and brought back to its role."""
    password = _password()
    uow = wiring.unit_of_work(db.session(), now=now, origin=ORIGIN)
    return provide_account(uow, password=password, **details), password


def _publish_hours(staff: UserRow, center: Center, now: datetime) -> bool:
    """Weekday hours for a center that has none, set by the demo staff; a center's own hours
    are left alone."""
    session = db.session()
    if calendar.load_availability(session, center) is not None:
        return False
    hours = parse_availability(DEMO_HOURS, timezone=center.timezone)
    actor = Actor(staff.id, Role(staff.role), staff.center_ids)
    uow = wiring.unit_of_work(session, now=now, actor=staff, origin=ORIGIN)
    change_hours(uow, actor, center, hours)
    _close_on_holidays(staff, actor, center, now, days=DEMO_HOURS["horizon_days"])
    return True


def _close_on_holidays(
    staff: UserRow, actor: Actor, center: Center, now: datetime, *, days: object
) -> None:
    """The demo centers close on the federal holidays in their horizon, and on Christmas Eve
    (a demo's choice; each center sets its own closures)."""
    today = now.astimezone(ZoneInfo(center.timezone)).date()
    last = today + timedelta(days=int(str(days)) + 1)
    closed = [(h.day, h.name) for h in holidays_between(today, last)]
    closed += [
        (eve, "Christmas Eve")
        for year in range(today.year, last.year + 1)
        if today <= (eve := date(year, 12, 24)) <= last
    ]
    for day, name in sorted(dict(sorted(closed, reverse=True)).items()):  # one per day
        closure = parse_closure({"date": day.isoformat(), "reason": name})
        uow = wiring.unit_of_work(db.session(), now=now, actor=staff, origin=ORIGIN)
        add_closure(uow, actor, center, closure)


def _demo_centers() -> list[Center]:
    catalog = current_catalog()
    found = []
    for center_id in DEMO_CENTERS:
        try:
            found.append(catalog.centers.get(center_id))
        except UnknownReference:
            click.echo(f"Center {center_id} is not in the loaded list; skipped.", err=True)
    return found


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Create or reset demo staff and provider accounts, and publish hours at three centers."""
    now = datetime.now(UTC)
    try:
        centers = _demo_centers()
    except SQLAlchemyError:
        click.echo("The database is not ready: run `finder init-db` first.", err=True)
        sys.exit(1)
    if not centers:
        click.echo("None of the demo centers is loaded: run `finder init-db` first.", err=True)
        sys.exit(1)
    staff, staff_password = _demo_account(
        now,
        email=STAFF_EMAIL,
        role="staff",
        name="Demo Coordinator",
        centers=[c.id for c in centers],
    )
    provider, provider_password = _demo_account(
        now,
        email=PROVIDER_EMAIL,
        role="provider",
        name="Demo Oncologist",
        practice="Demo Community Oncology",
    )
    published = [c for c in centers if _publish_hours(staff, c, now)]
    click.echo(_summary(centers, published, staff, staff_password, provider, provider_password))


def _summary(
    centers: list[Center],
    published: list[Center],
    staff: UserRow,
    staff_password: str,
    provider: UserRow,
    provider_password: str,
) -> str:
    names = "\n".join(f"    - {c.name} ({c.id}, {c.timezone})" for c in centers)
    hours = (
        f"Published weekday hours (09:00-12:00 and 13:00-16:00, 60-minute slots, 2 patients "
        f"each, 24 h notice, 60 days ahead, closed on US federal holidays and Christmas Eve) "
        f"at: {', '.join(c.id for c in published)}."
        if published
        else "The centers already had consultation hours; they were left as they were."
    )
    return f"""Demo accounts ready. The passwords are new on every run; earlier ones stop working.

  Referring provider  {provider.email}
                      password: {provider_password}
  Center staff        {staff.email}
                      password: {staff_password}
    of
{names}

{hours}

Sign in at {public_link("account.sign_in")}

Next steps:
  1. Start the server if it is not running: make run (or: finder serve).
  2. Sign in as the provider, search for "Boston, MA", and follow "Book a consultation".
  3. Pick a time, enter a made-up patient, book, and download the calendar invite.
  4. Sign in as the staff member to see the booking in the center's calendar.
"""
