"""The message telling a referring provider that the center moved their patient to a new stage."""

from datetime import datetime

from babel.dates import format_date
from flask import render_template
from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from finder.domain.centers import Center
from finder.domain.journey import label
from finder.domain.reminders import PROVIDER
from finder.events import StageRecorded
from finder.mail import Mail
from finder.public_url import public_link
from finder.reminders.messages import initials, message_id, reader_for
from finder.reminders.outbox import queued
from finder.storage.models import (
    ReferralEventRow,
    ReferralRow,
    ReminderRow,
    UserRow,
    UserSettingRow,
)

STAGE_CHANGED = "stage_changed"


def on_stage_recorded(session: Session, event: StageRecorded) -> None:
    """A message to the referring provider, through the same outbox as reminders."""
    session.add(
        queued(
            STAGE_CHANGED,
            PROVIDER,
            due_at=event.now,
            now=event.now,
            referral_id=event.referral.id,
            referral_event_id=event.entry_id,
        )
    )


def compose_stage_change(
    reminder: ReminderRow,
    referral: ReferralRow,
    event: ReferralEventRow,
    center: Center,
    provider: UserRow,
    setting: UserSettingRow | None = None,
    *,
    sender: str,
    public_url: str,
    now: datetime,
) -> Mail:
    """Which stage, since when, and a link to the timeline; the patient by initials only.
    The center's note is not in the mail (email is not a secure channel): the page shows it.
    In the provider's account language, else the one the referral was made in."""
    locale = reader_for(referral.language, setting).locale
    with force_locale(locale):
        # The domain's label, capitalised, is the referral pages' name of the stage.
        named = label(event.stage)
        stage = gettext(named[:1].upper() + named[1:])
        patient = initials(referral.patient_name)
        context = {
            "lang": locale,
            "subject": gettext(
                "Referral %(ref)s at %(center)s: %(stage)s",
                ref=referral.id,
                center=center.name,
                stage=stage,
            ),
            "greeting": gettext("Hello %(name)s,", name=provider.name)
            if provider.name
            else gettext("Hello,"),
            "lead": gettext(
                "%(center)s recorded a new stage for your patient %(patient)s "
                "(referral %(ref)s): %(stage)s, on %(day)s.",
                center=center.name,
                patient=patient,
                ref=referral.id,
                stage=stage if locale != "en" else named,
                day=format_date(event.at, "EEEE, d MMMM y", locale=locale),
            ),
            "correction": gettext("This corrects an earlier entry.")
            if event.correction_of is not None
            else "",
            "note": gettext("The center added a note: read it on the referral page.")
            if event.note
            else "",
            "link_label": gettext("Referral page"),
            "open_label": gettext("Open the referral"),
            "link": public_link(
                "pages.referral.timeline", public_url=public_url, referral_id=referral.id
            )
            if public_url
            else "",
            "footer": gettext(
                "The patient is named here by initials only, as email is not a secure channel."
            ),
        }
        return one_link_mail(reminder, provider.email, context, sender, public_url)


def one_link_mail(
    reminder: ReminderRow, to: str, context: dict[str, str], sender: str, public_url: str
) -> Mail:
    """A short notice with one link, in the stage-change frame (waitlist offers use it too);
    rendered in the locale in force."""
    context = {
        **context,
        "automatic": gettext("This message was sent automatically; replies are not read."),
    }
    return Mail(
        to=to,
        subject=context["subject"],
        text=render_template("mail/stage_changed.txt", **context),
        html=render_template("mail/stage_changed.html", **context),
        message_id=message_id(reminder.id, sender, public_url),
    )
