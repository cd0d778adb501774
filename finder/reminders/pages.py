"""A booking's messages as its pages show them (what, to whom, when due, how it went), and the
staff's "Send again" for a message that went out or failed."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext, ngettext
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from finder.domain.accounts import Actor
from finder.domain.centers import Center
from finder.domain.errors import UnknownReference
from finder.domain.reminders import (
    BOOKING_CANCELLED,
    BOOKING_CLOSED,
    BOOKING_MOVED,
    CANCELLATION,
    CANCELLED_REMINDER,
    CONFIRMATION,
    CONSULTATION_STARTED,
    FAILED,
    PATIENT,
    PENDING,
    REMINDER,
    RESCHEDULED,
    SENT,
)
from finder.reminders.outbox import reminders_of
from finder.reminders.resending import (
    COPY_WAITING,
    ReminderNotResendable,
    UnknownMessage,
    resend_refusal,
)
from finder.reminders.use_cases import resend_message
from finder.storage.models import BookingRow, ReminderRow
from finder.web.access import CENTER_STAFF, allow
from finder.web.auth import current_actor, now
from finder.web.commands import run
from finder.web.local_times import time_text

# Nested in the staff blueprint: /staff/centers/…, endpoints staff.reminders.*
reminder_actions = Blueprint("reminders", __name__)


@dataclass(frozen=True)
class MessageRow:
    """One line of the messages table, in the page's words."""

    id: int
    kind: str
    to: str
    due: str
    status: str  # pending | sent | failed | cancelled
    state: str
    resendable: bool


def kind_words(reminder: ReminderRow) -> str:
    """'Confirmation', 'Reminder 3 days before', 'Moved notice', …"""
    hours = reminder.hours_before or 0
    if reminder.kind == REMINDER and hours and hours % 24 == 0:
        return ngettext("Reminder %(num)d day before", "Reminder %(num)d days before", hours // 24)
    if reminder.kind == REMINDER:
        return ngettext("Reminder %(num)d hour before", "Reminder %(num)d hours before", hours)
    return {
        CONFIRMATION: gettext("Confirmation"),
        RESCHEDULED: gettext("Moved notice"),
        CANCELLATION: gettext("Cancellation notice"),
    }.get(reminder.kind, reminder.kind)


def recipient_words(recipient: str) -> str:
    return gettext("Patient") if recipient == PATIENT else gettext("Referring provider")


def reason_words(reason: str) -> str:
    """Why a message was not sent, in words; a sender's own failure text as it came."""
    known = {
        BOOKING_CANCELLED: gettext("the consultation was cancelled"),
        BOOKING_MOVED: gettext("the consultation moved"),
        CONSULTATION_STARTED: gettext("the consultation had already started"),
        BOOKING_CLOSED: gettext("the consultation already took place"),
        PENDING: gettext("it is still waiting to be sent"),
        CANCELLED_REMINDER: gettext("it was cancelled"),
        COPY_WAITING: gettext("a copy is already waiting to be sent"),
    }
    return known.get(reason, reason)


def state_words(reminder: ReminderRow, timezone: str) -> str:
    """'Pending', 'Sent at Tue 16 Mar 2027, 09:00 EDT', 'Failed: …', 'Cancelled: …'."""
    detail = reason_words(reminder.detail) if reminder.detail else ""
    if reminder.status == SENT and reminder.sent_at is not None:
        return gettext("Sent at %(when)s", when=time_text(reminder.sent_at, timezone))
    if reminder.status == SENT:
        return gettext("Sent")
    if reminder.status == FAILED:
        return gettext("Failed: %(why)s", why=detail) if detail else gettext("Failed")
    if reminder.status == CANCELLED_REMINDER:
        return gettext("Cancelled: %(why)s", why=detail) if detail else gettext("Cancelled")
    if reminder.attempts:
        return ngettext(
            "Pending, tried %(num)d time", "Pending, tried %(num)d times", reminder.attempts
        )
    return gettext("Pending")


def message_rows(
    booking: BookingRow, messages: Sequence[ReminderRow], center: Center, at: datetime
) -> list[MessageRow]:
    """The table's lines, due times in the center's zone, in the order the messages fall due."""
    return [
        MessageRow(
            id=row.id,
            kind=kind_words(row)
            if row.resend_of is None
            else gettext("%(message)s (sent again)", message=kind_words(row)),
            to=recipient_words(row.recipient),
            due=time_text(row.due_at, center.timezone),
            status=row.status,
            state=state_words(row, center.timezone),
            resendable=resend_refusal(booking, row, messages, at) is None,
        )
        for row in messages
    ]


def messages_of(session: Session, booking: BookingRow, center: Center) -> list[MessageRow]:
    """The booking's messages table as its pages show it."""
    return message_rows(booking, reminders_of(session, [booking.id])[booking.id], center, now())


@reminder_actions.post(
    "/centers/<center_id>/bookings/<int:booking_id>/reminders/<int:reminder_id>/resend"
)
@allow(CENTER_STAFF)
def resend(center_id: str, booking_id: int, reminder_id: int) -> Response:
    """Queue a sent or failed message again; a refusal changes nothing and is audited."""
    try:
        copy = run(resend_message, _actor(), booking_id, reminder_id, center_id=center_id)
    except UnknownMessage:
        abort(404, description=gettext("No such message for this booking."))
    except UnknownReference:
        abort(404, description=gettext("No such booking at this center."))
    except ReminderNotResendable as error:
        flash(gettext("Not sent again: %(why)s.", why=reason_words(error.why)))
    else:
        flash(
            gettext(
                "Queued to send again: %(message)s, to %(to)s.",
                message=kind_words(copy),
                to=recipient_words(copy.recipient),
            )
        )
    target = url_for(
        "staff.booking", center_id=center_id, booking_id=booking_id, _anchor="messages"
    )
    return redirect(target, 303)


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None  # noqa: S101 - CENTER_STAFF access guarantees it
    return actor
