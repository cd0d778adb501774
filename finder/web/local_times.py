"""Times as a provider reads them: in the center's zone, and in the zone the provider chose.

Without JavaScript a page cannot know the browser's zone, so the provider picks one (a `tz`
query parameter, remembered in the session); until then the center's own zone is used.

The same formatters write the times in mails: given a `Reader` (the recipient's language and
clock) they need no request; without one they use the signed-in account's.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
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
LONG_DAY = "EEEE, d MMMM y"
PAGE_CLOCK = "HH:mm"  # the pages' clock when the account chose none


@dataclass(frozen=True)
class Reader:
    """Who reads the times: their language and clock ("12", "24", or "" for the usual one,
    `usual`, else the language's own: 9:00 AM in English, 9:00 in Spanish)."""

    locale: str
    hour_cycle: str = ""
    usual: str = ""

    def clock(self) -> str:
        """The babel pattern of a time of day for this reader."""
        return clock_pattern(self.hour_cycle, self.usual or usual_clock(self.locale))


def usual_clock(locale: str) -> str:
    """The language's own pattern for a time of day, e.g. "h:mm a" in English (with a plain
    space where CLDR has a narrow one: some mail clients show that as a box)."""
    return str(Locale.parse(locale).time_formats["short"].pattern).replace("\u202f", " ")


def page_reader() -> Reader:
    """The signed-in account's clock in the page's language."""
    return Reader(str(get_locale()), account_settings()[1], PAGE_CLOCK)


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


def _formatted(instant: datetime, zone: str, pattern: str, reader: Reader | None) -> str:
    locale = reader.locale if reader is not None else get_locale()
    return format_datetime(instant, pattern, tzinfo=ZoneInfo(zone), locale=locale)


def abbreviation(instant: datetime, zone: str) -> str:
    """The zone's abbreviation at that instant, e.g. EDT or CST (tzdata's, in every language);
    its offset where tzdata has no letters for it, e.g. "UTC+14:00"."""
    name = instant.astimezone(ZoneInfo(zone)).tzname() or ""
    return name if name.isalpha() else offset_text(instant, zone)


def day_text(instant: datetime, zone: str, reader: Reader | None = None, pattern: str = DAY) -> str:
    """The local date, e.g. "Tue 16 Mar 2027"."""
    return _formatted(instant, zone, pattern, reader)


def short_day_text(instant: datetime, zone: str, reader: Reader | None = None) -> str:
    """The local date without the year, e.g. "Tue 16 Mar"."""
    return _formatted(instant, zone, SHORT_DAY, reader)


def clock_text(instant: datetime, zone: str, reader: Reader | None = None) -> str:
    """The local time of day with the zone, e.g. "09:00 EDT" or "9:00 AM EDT"."""
    pattern = (reader or page_reader()).clock()
    return f"{_formatted(instant, zone, pattern, reader)} {abbreviation(instant, zone)}"


def time_text(instant: datetime, zone: str, reader: Reader | None = None, day: str = DAY) -> str:
    """The local date and time with the zone, e.g. "Tue 16 Mar 2027, 09:00 EDT"."""
    return f"{day_text(instant, zone, reader, day)}, {clock_text(instant, zone, reader)}"
