"""The words of the notices in finder.reminders.staff_notices: to staff, one change or a day's
digest; to a provider, a booking that needs a new time. In the reader's language, zone and
clock (their account settings; else English, the center's zone, AM/PM). Patients by initials.
"""

from typing import Any

from flask import render_template
from flask_babel import force_locale, gettext, ngettext

from finder.domain.centers import Center
from finder.domain.notices import STAFF_KINDS
from finder.domain.zones import valid_zone
from finder.mail import Mail
from finder.public_url import public_link
from finder.reminders.messages import LOCALE, initials, message_id, reader_for
from finder.storage.models import BookingRow, ReminderRow, UserRow, UserSettingRow
from finder.web.local_times import time_text

KIND_OF = {outbox_kind: kind for kind, outbox_kind in STAFF_KINDS.items()}


def _locale(setting: UserSettingRow) -> str:
    return reader_for(LOCALE, setting).locale


def when_text(booking: BookingRow, center: Center, setting: UserSettingRow, locale: str) -> str:
    """The time in the reader's zone and clock, e.g. "Wed 13 Jan 2027, 9:00 AM EST"."""
    zone = valid_zone(setting.timezone) or center.timezone
    return time_text(booking.slot.start_at, zone, reader_for(locale, setting))


def _line(item: dict[str, Any], setting: UserSettingRow, locale: str) -> str:
    kind, center = KIND_OF.get(item["kind"], ""), item["center"]
    referral = item["referral"]
    if referral is not None:
        return str(gettext(
            "New referral %(ref)s at %(center)s: patient %(patient)s",
            ref=referral.id, center=center.name, patient=initials(referral.patient_name),
        ))  # fmt: skip
    booking: BookingRow = item["booking"]
    words = {
        "booked": gettext("Booked"),
        "moved": gettext("Moved"),
        "cancelled": gettext("Cancelled"),
    }
    return str(gettext(
        "%(what)s: booking %(ref)s at %(center)s, %(when)s, patient %(patient)s",
        what=words.get(kind, kind), ref=booking.id, center=center.name,
        when=when_text(booking, center, setting, locale),
        patient=initials(booking.patient_name),
    ))  # fmt: skip


def _subject(item: dict[str, Any]) -> str:
    kind, center = KIND_OF.get(item["kind"], ""), item["center"].name
    subjects = {
        "booked": gettext("New booking at %(center)s", center=center),
        "moved": gettext("A booking moved at %(center)s", center=center),
        "cancelled": gettext("A booking was cancelled at %(center)s", center=center),
        "referred": gettext("New referral to %(center)s", center=center),
    }
    return str(subjects[kind])


def _link(item: dict[str, Any], public_url: str) -> str:
    if not public_url:
        return ""
    if item["referral"] is not None:
        return public_link(
            "pages.referral.timeline", public_url=public_url, referral_id=item["referral"].id
        )
    booking = item["booking"]
    return public_link(
        "staff.booking", public_url=public_url, center_id=booking.center_id, booking_id=booking.id
    )


def _greeting(user: UserRow) -> str:
    return str(gettext("Hello %(name)s,", name=user.name) if user.name else gettext("Hello,"))


def _mail(reminder: ReminderRow, to: str, sender: str, public_url: str, **context: Any) -> Mail:
    context.setdefault(
        "footer",
        gettext("Patients are named here by initials only, as email is not a secure channel."),
    )
    context["automatic"] = gettext("This message was sent automatically; replies are not read.")
    context.setdefault("link_label", gettext("Open it here"))
    return Mail(
        to=to,
        subject=context["subject"],
        text=render_template("mail/notice.txt", **context),
        html=render_template("mail/notice.html", **context),
        message_id=message_id(reminder.id, sender, public_url),
    )


def compose_staff(
    reminder: ReminderRow,
    user: UserRow,
    setting: UserSettingRow,
    item: dict[str, Any],
    *,
    sender: str,
    public_url: str,
) -> Mail:
    """One change at one of the staff member's centers, with a link to it."""
    locale = _locale(setting)
    with force_locale(locale):
        return _mail(
            reminder, user.email, sender, public_url,
            lang=locale, subject=_subject(item), greeting=_greeting(user),
            lead=_line(item, setting, locale) + ".", lines=[],
            link=_link(item, public_url), open_label=gettext("Open it"),
        )  # fmt: skip


def compose_digest(
    reminder: ReminderRow,
    user: UserRow,
    setting: UserSettingRow,
    items: list[dict[str, Any]],
    *,
    sender: str,
    public_url: str,
) -> Mail:
    """The day's changes at the staff member's centers, one line each."""
    locale = _locale(setting)
    with force_locale(locale):
        link = public_link("account.home", public_url=public_url) if public_url else ""
        return _mail(
            reminder, user.email, sender, public_url,
            lang=locale,
            subject=ngettext(
                "Your centers today: %(num)d change",
                "Your centers today: %(num)d changes",
                len(items),
            ),
            greeting=_greeting(user),
            lead=gettext("What changed at your centers since yesterday's digest:"),
            lines=[_line(item, setting, locale) for item in items],
            link=link, open_label=gettext("Open your account"),
        )  # fmt: skip


def compose_displaced(
    reminder: ReminderRow,
    booking: BookingRow,
    center: Center,
    provider: UserRow,
    setting: UserSettingRow,
    *,
    sender: str,
    public_url: str,
) -> Mail:
    """The center no longer offers the booked time: the provider picks a new one."""
    locale = _locale(setting)
    with force_locale(locale):
        link = (
            public_link("pages.bookings.detail", public_url=public_url, booking_id=booking.id)
            if public_url
            else ""
        )
        return _mail(
            reminder, provider.email, sender, public_url,
            lang=locale,
            subject=gettext(
                "Your booking %(ref)s at %(center)s needs a new time",
                ref=booking.id, center=center.name,
            ),
            greeting=_greeting(provider),
            lead=gettext(
                "%(center)s no longer offers %(when)s, the time of your patient %(patient)s "
                "(booking %(ref)s). The booking is kept: please choose a new time.",
                center=center.name, when=when_text(booking, center, setting, locale),
                patient=initials(booking.patient_name), ref=booking.id,
            ),
            lines=[], link=link, open_label=gettext("Choose a new time"),
            link_label=gettext("Booking page"),
            footer=gettext(
                "The patient is named here by initials only, as email is not a secure channel."
            ),
        )  # fmt: skip
