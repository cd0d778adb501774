"""The message a reminder row sends, composed just before it goes out, from the booking as it is.

Email is not a secure channel: the provider's copy names the patient only by initials and the
booking reference, the patient's copy greets them generically, and neither carries the birth
date. Nothing here is logged. The patient's copy is written in the language the booking was made
in (English or Spanish, `BookingRow.language`), with that language's usual clock; the provider's
in the language, clock and zone of their account settings where they chose them.

Rendered with `render_template` under an application context; no request is needed.
"""

import threading
from dataclasses import replace
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from flask import render_template
from flask_babel import force_locale, gettext

from finder.booking.invite import invite_content_type, invite_ics
from finder.booking.views import invite_for
from finder.domain.bookings import BOOKED
from finder.domain.centers import Center
from finder.domain.reminders import (
    CANCELLATION,
    CONFIRMATION,
    PATIENT,
    PROVIDER,
    REMINDER,
    RESCHEDULED,
)
from finder.domain.zones import same_clock, valid_zone
from finder.mail.message import Attachment, Mail, message_domain
from finder.public_url import public_link
from finder.storage.models import BookingRow, ReminderRow, UserRow, UserSettingRow
from finder.web.local_times import LONG_DAY, Reader, clock_text, day_text, short_day_text, time_text

LOCALE = "en"  # the language of a booking or referral made before languages were kept
LANGUAGES = ("en", "es")
FALLBACK_ORGANIZER = "no-reply@localhost"


def mail_locale(language: str | None) -> str:
    """The language a booking's or referral's messages are written in (English if unknown)."""
    return language if language in LANGUAGES else LOCALE


def reader_for(language: str | None, setting: UserSettingRow | None = None) -> Reader:
    """How a recipient reads times: their account's language and clock where they chose them,
    else the language the booking or referral was made in, with its usual clock."""
    chosen = setting.language if setting is not None and setting.language in LANGUAGES else ""
    return Reader(chosen or mail_locale(language), setting.hour_cycle if setting else "")


def message_id(reminder_id: int, sender: str, public_url: str = "") -> str:
    """The same Message-ID each time this reminder goes out, so clients fold repeated copies;
    on the site's own domain (PUBLIC_URL's host), else the sender's, else localhost."""
    return f"<reminder-{reminder_id}@{message_domain(sender, public_url)}>"


def recipient_address(reminder: ReminderRow, booking: BookingRow, provider: UserRow) -> str:
    """Where the message goes; "" when the patient gave no email address."""
    if reminder.recipient == PROVIDER:
        return provider.email
    if reminder.recipient == PATIENT:
        return booking.patient_email
    raise ValueError(f"unknown recipient {reminder.recipient!r}")


def recipient_zone(
    reminder: ReminderRow,
    booking: BookingRow,
    center: Center,
    setting: UserSettingRow | None = None,
) -> str:
    """The zone the recipient reads times in: the provider's account's, else the one chosen
    when booking, else the center's."""
    if reminder.recipient == PROVIDER:
        chosen = valid_zone(setting.timezone if setting else "") or booking.provider_timezone
    elif reminder.recipient == PATIENT:
        chosen = booking.patient_timezone
    else:
        raise ValueError(f"unknown recipient {reminder.recipient!r}")
    return valid_zone(chosen) or center.timezone


def compose(
    reminder: ReminderRow,
    booking: BookingRow,
    center: Center,
    provider: UserRow,
    *,
    sender: str,
    public_url: str,
    now: datetime,
    setting: UserSettingRow | None = None,
) -> Mail:
    """The reminder's message in text and HTML, with the consultation's calendar entry;
    `setting` is the provider's account settings."""
    if reminder.kind not in (CONFIRMATION, REMINDER, RESCHEDULED, CANCELLATION):
        raise ValueError(f"unknown kind {reminder.kind!r}")
    to_provider = reminder.recipient == PROVIDER
    zone = recipient_zone(reminder, booking, center, setting)
    start = booking.slot.start_at
    address = parseaddr(sender)[1]
    invite = replace(
        invite_for(
            booking, center, organizer=address if "@" in address else FALLBACK_ORGANIZER, now=now
        ),
        attendee=recipient_address(reminder, booking, provider),  # a REQUEST names whom to
    )
    reader = reader_for(booking.language, setting if to_provider else None)
    locale = reader.locale
    with force_locale(locale):
        when = gettext(
            "%(day)s at %(clock)s",
            day=short_day_text(start, zone, reader),
            clock=clock_text(start, zone, reader),
        )
        context = _words(reminder.kind, booking, center, provider if to_provider else None)
        context["lang"] = locale
        link = (
            public_link("pages.bookings.detail", public_url=public_url, booking_id=booking.id)
            if to_provider and public_url
            else None
        )
        context.update(
            subject=_subject(reminder.kind, when),
            center_time=gettext(
                "%(time)s (center's time)", time=_full(start, center.timezone, reader)
            ),
            your_time=None
            if same_clock(start, center.timezone, zone)
            else gettext("%(time)s (your time)", time=_your(start, zone, center.timezone, reader)),
            link=link,
            # Moving and cancelling are the booking page's: only while it can still change.
            move_link=f"{link}#move-heading" if link and booking.status == BOOKED else None,
            cancel_link=f"{link}#cancel-heading" if link and booking.status == BOOKED else None,
        )
        text = render_template("mail/reminder.txt", **context)
        html = render_template("mail/reminder.html", **context)
    calendar = Attachment(
        f"consultation-{booking.id}.ics", invite_content_type(invite), invite_ics(invite)
    )
    return Mail(
        to=recipient_address(reminder, booking, provider),
        subject=context["subject"],
        text=text,
        html=html,
        attachments=(calendar,),
        message_id=message_id(reminder.id, sender, public_url),
    )


def initials(name: str) -> str:
    """The first and last names' initials, e.g. "J. D." for "Jane Q. Doe"."""
    letters = [next((c.upper() for c in word if c.isalpha()), "") for word in name.split()]
    letters = [letter for letter in letters if letter]
    if not letters:
        return "?"
    chosen = letters[:1] if len(letters) == 1 else [letters[0], letters[-1]]
    return " ".join(f"{letter}." for letter in chosen)


def _subject(kind: str, when: str) -> str:
    subjects: dict[str, str] = {
        CONFIRMATION: gettext("Your CAR T consultation is booked: %(when)s", when=when),
        REMINDER: gettext("Reminder: CAR T consultation on %(when)s", when=when),
        RESCHEDULED: gettext("Your CAR T consultation has moved to %(when)s", when=when),
        CANCELLATION: gettext("Your CAR T consultation on %(when)s is cancelled", when=when),
    }
    return subjects[kind]


def _lead(kind: str, center: str, ref: int, patient: str | None) -> str:
    """The opening sentence; `patient` (initials) is None in the patient's own message."""
    names: dict[str, Any] = {"center": center, "ref": ref, "patient": patient}
    if patient is not None:
        to_provider: dict[str, str] = {
            CONFIRMATION: gettext(
                "You booked a CAR T consultation at %(center)s for patient %(patient)s "
                "(booking reference %(ref)d).",
                **names,
            ),
            REMINDER: gettext(
                "A reminder of the CAR T consultation at %(center)s you booked for patient "
                "%(patient)s (booking reference %(ref)d).",
                **names,
            ),
            RESCHEDULED: gettext(
                "The CAR T consultation at %(center)s for patient %(patient)s (booking "
                "reference %(ref)d) has moved. The new time is below.",
                **names,
            ),
            CANCELLATION: gettext(
                "The CAR T consultation at %(center)s for patient %(patient)s (booking "
                "reference %(ref)d) is cancelled.",
                **names,
            ),
        }
        return to_provider[kind]
    to_patient: dict[str, str] = {
        CONFIRMATION: gettext(
            "Your referring provider booked a CAR T consultation for you at %(center)s "
            "(booking reference %(ref)d).",
            **names,
        ),
        REMINDER: gettext(
            "A reminder of your CAR T consultation at %(center)s (booking reference %(ref)d).",
            **names,
        ),
        RESCHEDULED: gettext(
            "Your CAR T consultation at %(center)s (booking reference %(ref)d) has moved. "
            "The new time is below.",
            **names,
        ),
        CANCELLATION: gettext(
            "Your CAR T consultation at %(center)s (booking reference %(ref)d) is cancelled.",
            **names,
        ),
    }
    return to_patient[kind]


def _words(
    kind: str, booking: BookingRow, center: Center, provider: UserRow | None
) -> dict[str, Any]:
    """What the templates say; `provider` is None when the message goes to the patient."""
    patient = initials(booking.patient_name) if provider is not None else None
    place = center.address
    if provider is not None:
        greeting = gettext("Hello %(name)s,", name=provider.name) if provider.name else ""
        bring_label = gettext("What the patient should bring")
        footer = gettext(
            "The patient is named here by initials only, as email is not a secure channel. "
            "The booking page shows the details."
        )
    else:
        greeting, bring_label = "", gettext("What to bring")
        footer = gettext(
            "You receive this message because your referring provider gave your email "
            "address when booking. With questions, call the center or your referring provider."
        )
    cancelled = kind == CANCELLATION
    return {
        "lang": LOCALE,
        "heading": {
            CONFIRMATION: gettext("CAR T consultation booked"),
            REMINDER: gettext("CAR T consultation reminder"),
            RESCHEDULED: gettext("CAR T consultation moved"),
            CANCELLATION: gettext("CAR T consultation cancelled"),
        }[kind],
        "greeting": greeting or gettext("Hello,"),
        "lead": _lead(kind, center.name, booking.id, patient),
        # Free text reaches the provider only: a patient is never sent what staff typed.
        "reason": gettext("Reason given: %(reason)s", reason=booking.status_reason)
        if cancelled and booking.status_reason and provider is not None
        else None,
        "when_label": gettext("When"),
        "where_label": gettext("Where"),
        "place": [
            line
            for line in (center.name, place.street, f"{place.city}, {place.state} {place.zip}")
            if line
        ],
        "phone_label": gettext("Phone"),
        "phone": center.phone,
        "website_label": gettext("Website"),
        "website": center.website,
        "reference_label": gettext("Booking reference"),
        "reference": booking.id,
        "bring_label": bring_label,
        "bring": None if cancelled else _what_to_bring(),
        "link_label": gettext("Booking page"),
        "view_label": gettext("View the booking"),
        "move_label": gettext("Move it"),
        "cancel_label": gettext("Cancel it"),
        "change_label": gettext("Move or cancel it on the booking page"),
        "calendar": {
            CANCELLATION: gettext(
                "The calendar entry attached removes the consultation from your calendar."
            ),
            RESCHEDULED: gettext("The calendar entry attached replaces the earlier one."),
        }.get(kind)
        or gettext("The calendar entry for the consultation is attached."),
        "footer": footer,
        "automatic": gettext("This message was sent automatically; replies are not read."),
    }


def _what_to_bring() -> str:
    """`WHAT_TO_BRING` (the booking page's words) in the message's language."""
    return gettext(
        "Bring photo ID, insurance cards, a list of current medicines, recent pathology and "
        "imaging reports, and a caregiver if you can."
    )


def _full(instant: datetime, zone: str, reader: Reader) -> str:
    """E.g. "Monday, 15 March 2027, 9:00 AM EDT"."""
    return time_text(instant, zone, reader, LONG_DAY)


def _your(instant: datetime, zone: str, center_zone: str, reader: Reader) -> str:
    """The recipient's time, with the date only when it falls on another day than the center's."""
    if day_text(instant, zone, reader, LONG_DAY) == day_text(
        instant, center_zone, reader, LONG_DAY
    ):
        return clock_text(instant, zone, reader)
    return _full(instant, zone, reader)


class ComposeCache:
    """Messages composed during one drain, by everything they are made of but the reminder's
    own id: a burst of reminders for one consultation, recipient and kind is composed once
    (the calendar entry's DTSTAMP is then the first one's). Bounded; safe across threads."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.composed = 0  # how many were composed rather than found
        self._kept: dict[tuple[object, ...], Mail] = {}
        self._lock = threading.Lock()

    def find(
        self, key: tuple[object, ...], reminder_id: int, sender: str, public_url: str
    ) -> Mail | None:
        """The message composed before under `key`, as reminder `reminder_id`'s own."""
        with self._lock:
            mail = self._kept.get(key)
        if mail is None:
            return None
        return replace(mail, message_id=message_id(reminder_id, sender, public_url))

    def compose(
        self,
        reminder: ReminderRow,
        booking: BookingRow,
        center: Center,
        provider: UserRow,
        *,
        key: tuple[object, ...],
        sender: str,
        public_url: str,
        now: datetime,
        setting: UserSettingRow | None = None,
    ) -> Mail:
        """As `compose`, and kept under `key` (everything the message is made of) for `find`."""
        mail = compose(
            reminder, booking, center, provider,
            sender=sender, public_url=public_url, now=now, setting=setting,
        )  # fmt: skip
        with self._lock:
            self.composed += 1
            if len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)))
            self._kept[key] = mail
        return mail
