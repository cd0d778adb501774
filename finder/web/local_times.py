"""Times as a provider reads them: in the center's zone, and in the zone the provider chose.

Without JavaScript a page cannot know the browser's zone, so the provider picks one (a `tz`
query parameter, remembered in the session); until then the center's own zone is used.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import g, request, session
from flask_babel import get_locale, gettext

from finder.domain.notices import clock_pattern
from finder.domain.zones import offset_text, same_clock, valid_zone
from finder.storage import db
from finder.storage.models import UserSettingRow
from finder.web.auth import signed_in_user

__all__ = ["offset_text", "same_clock", "valid_zone"]  # for the pages, with the formatters below

SESSION_KEY = "provider_tz"
DAY = "EEE d MMM y"
SHORT_DAY = "EEE d MMM"


def zone_names() -> dict[str, str]:
    """The US zones offered in the zone list, by IANA id, in words."""
    return {
        "America/New_York": gettext("Eastern time (New York)"),
        "America/Chicago": gettext("Central time (Chicago)"),
        "America/Denver": gettext("Mountain time (Denver)"),
        "America/Phoenix": gettext("Arizona time (Phoenix)"),
        "America/Los_Angeles": gettext("Pacific time (Los Angeles)"),
        "America/Anchorage": gettext("Alaska time (Anchorage)"),
        "Pacific/Honolulu": gettext("Hawaii time (Honolulu)"),
        "America/Puerto_Rico": gettext("Atlantic time (Puerto Rico)"),
        "UTC": gettext("Coordinated Universal Time (UTC)"),
    }


def zone_choices(*extra: str) -> list[tuple[str, str]]:
    """The zone list, with any other zone in use (a center's) added under its own id."""
    names = zone_names()
    choices = list(names.items())
    choices += [(zone, zone) for zone in dict.fromkeys(extra) if zone not in names]
    return choices


def account_settings() -> tuple[str, str]:
    """The signed-in account's own zone and clock ("" when not chosen), read once a request."""
    if "account_clock" not in g:
        user = signed_in_user()
        row = db.session().get(UserSettingRow, user.id) if user else None
        g.account_clock = (row.timezone, row.hour_cycle) if row else ("", "")
    found: tuple[str, str] = g.account_clock
    return found


def provider_zone(default: str | None) -> str | None:
    """The zone the provider asked for (`?tz=`, then remembered), else the account's, else
    `default`."""
    asked = valid_zone(request.args.get("tz"))
    if asked is not None:
        session[SESSION_KEY] = asked
        return asked
    kept = valid_zone(session.get(SESSION_KEY)) or valid_zone(account_settings()[0])
    return kept or default


def _formatted(instant: datetime, zone: str, pattern: str) -> str:
    return format_datetime(instant, pattern, tzinfo=ZoneInfo(zone), locale=get_locale())


def abbreviation(instant: datetime, zone: str) -> str:
    """The zone's abbreviation at that instant, e.g. EDT or CST (tzdata's, in every language)."""
    return instant.astimezone(ZoneInfo(zone)).tzname() or zone


def day_text(instant: datetime, zone: str) -> str:
    """The local date, e.g. "Tue 16 Mar 2027"."""
    return _formatted(instant, zone, DAY)


def short_day_text(instant: datetime, zone: str) -> str:
    """The local date without the year, e.g. "Tue 16 Mar"."""
    return _formatted(instant, zone, SHORT_DAY)


def clock_text(instant: datetime, zone: str) -> str:
    """The local time of day with the zone, e.g. "09:00 EDT"."""
    pattern = clock_pattern(account_settings()[1], "HH:mm")
    return f"{_formatted(instant, zone, pattern)} {abbreviation(instant, zone)}"


def time_text(instant: datetime, zone: str) -> str:
    """The local date and time with the zone, e.g. "Tue 16 Mar 2027, 09:00 EDT"."""
    return f"{day_text(instant, zone)}, {clock_text(instant, zone)}"
