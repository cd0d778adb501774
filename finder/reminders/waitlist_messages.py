"""The mail offering a freed place to the provider of a waitlist request, through the outbox.

It names the center and the time (in the provider's account language, clock and zone, else
English and the center's zone), the request by its reference (initials or the provider's
own: the list holds no patient names), how long the place is held, and a link built from
PUBLIC_URL to the booking page for that slot, which uses the provider's live hold.
"""

from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from finder.domain.centers import Center
from finder.domain.reminders import PROVIDER
from finder.domain.zones import same_clock, valid_zone
from finder.mail import Mail
from finder.public_url import public_link
from finder.reminders.messages import LOCALE, reader_for
from finder.reminders.outbox import queued
from finder.reminders.stage_messages import one_link_mail
from finder.storage.models import (
    ReminderRow,
    SlotRow,
    UserRow,
    UserSettingRow,
    WaitlistOfferRow,
    WaitlistRow,
)
from finder.web.local_times import LONG_DAY, time_text

WAITLIST_OFFER = "waitlist_offer"


def on_offered(session: Session, offer: WaitlistOfferRow, now: datetime) -> None:
    """The offer's mail, due now."""
    row = queued(WAITLIST_OFFER, PROVIDER, due_at=now, now=now, slot_id=offer.slot_id)
    row.waitlist_offer_id = offer.id
    session.add(row)
    session.flush()


def skip_offer(offer: WaitlistOfferRow, now: datetime) -> str | None:
    """Why the offer's mail should no longer go out, or None."""
    if offer.status != "open":
        return f"offer {offer.status}"
    expires = offer.expires_at
    if expires <= now:
        return "offer ran out"
    return None


def compose_offer(
    reminder: ReminderRow,
    offer: WaitlistOfferRow,
    request: WaitlistRow,
    slot: SlotRow,
    center: Center,
    provider: UserRow,
    setting: UserSettingRow | None = None,
    *,
    sender: str,
    public_url: str,
) -> Mail:
    reader = reader_for(LOCALE, setting)
    zone = valid_zone(setting.timezone if setting else "") or center.timezone
    with force_locale(reader.locale):
        when = time_text(slot.start_at, zone, reader, LONG_DAY)
        if not same_clock(slot.start_at, center.timezone, zone):
            at_center = time_text(slot.start_at, center.timezone, reader, LONG_DAY)
            when = gettext("%(time)s (your time; %(center_time)s at the center)",
                           time=when, center_time=at_center)  # fmt: skip
        until = time_text(offer.expires_at, zone, reader, LONG_DAY)
        context = {
            "lang": reader.locale,
            "subject": gettext(
                "A consultation opened at %(center)s: %(when)s", center=center.name, when=when
            ),
            "greeting": gettext("Hello %(name)s,", name=provider.name)
            if provider.name
            else gettext("Hello,"),
            "lead": gettext(
                "A place freed at %(center)s on %(when)s, within the dates of your waitlist "
                "request %(ref)s. It is held for you until %(until)s; book it through the "
                "link below before then, or it is offered to the next request.",
                center=center.name,
                when=when,
                ref=request.reference,
                until=until,
            ),
            "correction": "",
            "note": "",
            "link_label": gettext("Book this time"),
            "open_label": gettext("Book this time"),
            "link": public_link(
                "pages.booking.book_form",
                public_url=public_url,
                center_id=center.id,
                slot=slot.id,
            )
            if public_url
            else "",
            "footer": gettext(
                "The request is named by your reference only, as email is not a secure channel."
            ),
        }
        return one_link_mail(reminder, provider.email, context, sender, public_url)
