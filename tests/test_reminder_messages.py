"""The messages reminders send: what each says, to whom, in which zones, and what it keeps out."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, has_request_context
from icalendar import Calendar
from markupsafe import escape

from finder.booking import calendar
from finder.domain.availability import parse_availability
from finder.domain.bookings import BOOKED, CANCELLED, BookingRequest, Patient
from finder.domain.reminders import (
    CANCELLATION,
    CONFIRMATION,
    KINDS,
    PATIENT,
    PENDING,
    PROVIDER,
    REMINDER,
    RESCHEDULED,
)
from finder.extensions import current_catalog
from finder.mail import Mail, build_message
from finder.reminders.messages import (
    compose,
    initials,
    message_id,
    recipient_address,
    recipient_zone,
)
from finder.storage import db
from finder.storage.models import BookingRow, ReminderRow, SlotRow, UserRow
from tests.accounts import CENTER_X
from tests.bookings import book, cancel
from tests.conftest import sqlite_copy

SENDER = "CAR T center finder <no-reply@finder.example>"
PUBLIC_URL = "https://finder.example"
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
# The day after US clocks spring forward (14 March 2027) and after they fall back (7 November).
SPRING = datetime(2027, 3, 15, 9, 0, tzinfo=NEW_YORK)
AUTUMN = datetime(2027, 11, 8, 9, 0, tzinfo=NEW_YORK)
PATIENT_NAME = "Jane Quinn Doe"
BIRTH_DATE = date(1961, 4, 23)
BIRTH_DATE_FORMS = ("1961", "04-23", "23 April", "April 23", "4/23", "23/4")


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: composing reads rows, it does not depend on the database's behaviour."""
    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def ctx(app: Flask):
    """An application context and no request, as the dispatcher runs."""
    with app.app_context(), db.transaction() as session:
        provider = UserRow(
            email="robin.lee@example.org",
            name="Dr Robin Lee",
            role="provider",
            practice="Cape Cod Oncology",
            created_at=NOW,
        )
        session.add(provider)
    with app.app_context():
        yield db.session().get(UserRow, provider.id)


def make_booking(
    start: datetime = SPRING,
    *,
    provider_tz: str = "",
    patient_tz: str = "",
    status: str = BOOKED,
    reason: str = "",
    email: str = "jane@example.org",
) -> BookingRow:
    session = db.session()
    slot = SlotRow(
        center_id=CENTER_X,
        start_at=start.astimezone(UTC),
        end_at=(start + timedelta(hours=1)).astimezone(UTC),
        capacity=1,
        booked=0 if status == CANCELLED else 1,
    )
    session.add(slot)
    session.flush()
    provider = session.query(UserRow).one()
    booking = BookingRow(
        uid=f"booking-{slot.id}@cart-center-finder",
        slot_id=slot.id,
        center_id=CENTER_X,
        provider_id=provider.id,
        status=status,
        patient_name=PATIENT_NAME,
        patient_birth_date=BIRTH_DATE,
        patient_email=email,
        patient_phone="+1-508-555-0100",
        indication="LBCL",
        product="yescarta",
        notes="",
        sequence=1 if status == CANCELLED else 0,
        created_at=NOW,
        updated_at=NOW,
        status_reason=reason,
        provider_timezone=provider_tz,
        patient_timezone=patient_tz,
    )
    session.add(booking)
    session.commit()
    return booking


def make_reminder(booking: BookingRow, kind: str = REMINDER, recipient: str = PROVIDER):
    row = ReminderRow(
        booking_id=booking.id,
        kind=kind,
        recipient=recipient,
        hours_before=24 if kind == REMINDER else None,
        slot_id=booking.slot_id,
        due_at=NOW,
        next_attempt_at=NOW,
        status=PENDING,
        created_at=NOW,
    )
    db.session().add(row)
    db.session().commit()
    return row


def center():
    return current_catalog().centers.get(CENTER_X)


def mail_for(reminder: ReminderRow, booking: BookingRow, provider: UserRow) -> Mail:
    assert not has_request_context()
    return compose(
        reminder, booking, center(), provider, sender=SENDER, public_url=PUBLIC_URL, now=NOW
    )


def flat(text: str) -> str:
    """The text with its lines joined, as the plain-text part wraps long sentences."""
    return " ".join(text.split())


def ics_text(mail: Mail) -> str:
    (attachment,) = mail.attachments
    return attachment.data.decode()


@pytest.mark.parametrize(
    ("kind", "subject", "lead"),
    [
        (
            CONFIRMATION,
            "Your CAR T consultation is booked: Mon 15 Mar at 9:00 AM EDT",
            "You booked a CAR T consultation at Dana-Farber Cancer Institute for patient J. D.",
        ),
        (
            REMINDER,
            "Reminder: CAR T consultation on Mon 15 Mar at 9:00 AM EDT",
            "A reminder of the CAR T consultation at Dana-Farber Cancer Institute you booked",
        ),
        (
            RESCHEDULED,
            "Your CAR T consultation has moved to Mon 15 Mar at 9:00 AM EDT",
            "has moved. The new time is below.",
        ),
        (
            CANCELLATION,
            "Your CAR T consultation on Mon 15 Mar at 9:00 AM EDT is cancelled",
            "for patient J. D. (booking reference",
        ),
    ],
)
def test_each_kind_to_the_provider(ctx, kind, subject, lead):
    status = CANCELLED if kind == CANCELLATION else BOOKED
    booking = make_booking(status=status)
    mail = mail_for(make_reminder(booking, kind), booking, ctx)
    assert mail.to == "robin.lee@example.org"
    assert mail.subject == subject
    assert lead in flat(mail.text)
    assert mail.text.startswith("Hello Dr Robin Lee,\n\n")
    assert "When: Monday, 15 March 2027, 9:00 AM EDT (center's time)\n" in mail.text
    assert "Where: Dana-Farber Cancer Institute, 450 Brookline Ave, Boston, MA 02215" in mail.text
    assert "Phone: +1-617-632-3000" in mail.text
    assert f"Booking reference: {booking.id}" in mail.text
    assert f"Booking page: {PUBLIC_URL}/bookings/{booking.id}" in mail.text
    assert ("What the patient should bring: Bring photo ID" in flat(mail.text)) is (
        kind != CANCELLATION
    )
    assert mail.attachments[0].filename == f"consultation-{booking.id}.ics"


@pytest.mark.parametrize(
    ("kind", "subject", "lead"),
    [
        (CONFIRMATION, "is booked: Mon 15 Mar", "Your referring provider booked a CAR T"),
        (REMINDER, "Reminder: CAR T consultation on", "A reminder of your CAR T consultation"),
        (RESCHEDULED, "has moved to Mon 15 Mar", "has moved. The new time is below."),
        (CANCELLATION, "is cancelled", "Cancer Institute (booking reference"),
    ],
)
def test_each_kind_to_the_patient(ctx, kind, subject, lead):
    booking = make_booking(status=CANCELLED if kind == CANCELLATION else BOOKED)
    mail = mail_for(make_reminder(booking, kind, PATIENT), booking, ctx)
    assert mail.to == "jane@example.org"
    assert subject in mail.subject
    assert mail.text.startswith("Hello,\n\n")
    assert lead in flat(mail.text)
    assert "Phone: +1-617-632-3000" in mail.text
    assert ("What to bring: Bring photo ID" in flat(mail.text)) is (kind != CANCELLATION)
    # The patient has no account: no link to a page they cannot open.
    assert "/bookings/" not in mail.text and "/bookings/" not in mail.html
    assert "Dr Robin Lee" not in mail.text


def test_every_message_has_text_html_and_the_calendar_entry(ctx):
    booking = make_booking()
    reminder = make_reminder(booking, CONFIRMATION)
    message = build_message(mail_for(reminder, booking, ctx), sender=SENDER)
    types = [part.get_content_type() for part in message.walk()]
    assert types == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    invite = next(part for part in message.walk() if part.get_content_type() == "text/calendar")
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_filename() == f"consultation-{booking.id}.ics"
    assert message["Message-ID"] == f"<reminder-{reminder.id}@finder.example>"


def test_the_message_id_follows_the_reminder_only(ctx):
    booking = make_booking()
    first, second = make_reminder(booking), make_reminder(booking, recipient=PATIENT)
    assert mail_for(first, booking, ctx).message_id == mail_for(first, booking, ctx).message_id
    assert mail_for(first, booking, ctx).message_id != mail_for(second, booking, ctx).message_id
    assert message_id(42, SENDER) == "<reminder-42@finder.example>"
    assert message_id(42, "no-reply@finder.example") == "<reminder-42@finder.example>"
    assert message_id(42, "CAR T center finder") == "<reminder-42@localhost>"
    assert message_id(42, "") == "<reminder-42@localhost>"
    # On the site's own domain when PUBLIC_URL names one (never an IP address)
    site = "https://finder.clinic.example/app"
    assert message_id(42, "no-reply@localhost", site) == "<reminder-42@finder.clinic.example>"
    assert message_id(42, SENDER, "http://127.0.0.1:5000") == "<reminder-42@finder.example>"


@pytest.mark.parametrize("kind", KINDS)
def test_the_provider_reads_initials_never_the_name_or_birth_date(ctx, kind):
    booking = make_booking(status=CANCELLED if kind == CANCELLATION else BOOKED)
    mail = mail_for(make_reminder(booking, kind), booking, ctx)
    for part in (mail.subject, mail.text, mail.html, ics_text(mail)):
        for secret in ("Jane", "Quinn", "Doe", *BIRTH_DATE_FORMS):
            assert secret not in part
    assert "patient J. D. (booking reference" in flat(mail.text)
    assert "patient J. D. (booking reference" in mail.html


@pytest.mark.parametrize("kind", KINDS)
def test_the_patient_message_is_generic_and_has_no_birth_date(ctx, kind):
    booking = make_booking(status=CANCELLED if kind == CANCELLATION else BOOKED)
    mail = mail_for(make_reminder(booking, kind, PATIENT), booking, ctx)
    for part in (mail.subject, mail.text, mail.html, ics_text(mail)):
        for secret in ("Jane", "Doe", *BIRTH_DATE_FORMS):
            assert secret not in part
    assert "<p>Hello,</p>" in mail.html


def test_times_across_zones_the_day_after_spring_forward(ctx):
    booking = make_booking(provider_tz="America/Los_Angeles", patient_tz="America/Phoenix")
    to_provider = mail_for(make_reminder(booking), booking, ctx)
    to_patient = mail_for(make_reminder(booking, recipient=PATIENT), booking, ctx)
    center_time = "Monday, 15 March 2027, 9:00 AM EDT (center's time)"
    for mail in (to_provider, to_patient):
        assert f"When: {center_time}\n" in mail.text
        assert escape(center_time) in mail.html
        assert "DTSTART;TZID=America/New_York:20270315T090000" in ics_text(mail)
    assert "\n      6:00 AM PDT (your time)\n" in to_provider.text
    assert to_provider.subject == "Reminder: CAR T consultation on Mon 15 Mar at 6:00 AM PDT"
    assert "\n      6:00 AM MST (your time)\n" in to_patient.text
    assert to_patient.subject.endswith("Mon 15 Mar at 6:00 AM MST")


def test_a_recipient_in_the_centers_zone_reads_one_time(ctx):
    booking = make_booking(patient_tz="", provider_tz="America/Detroit")
    for recipient in (PROVIDER, PATIENT):
        mail = mail_for(make_reminder(booking, recipient=recipient), booking, ctx)
        assert "(your time)" not in mail.text and "(your time)" not in mail.html
        assert mail.subject.endswith("Mon 15 Mar at 9:00 AM EDT")


def test_a_time_on_another_day_gives_the_date_and_an_offset_without_abbreviation(ctx):
    booking = make_booking(patient_tz="Pacific/Kiritimati")  # UTC+14, no abbreviation
    mail = mail_for(make_reminder(booking, recipient=PATIENT), booking, ctx)
    assert "Tuesday, 16 March 2027, 3:00 AM UTC+14:00 (your time)" in mail.text


def test_after_fall_back_the_time_is_standard_time(ctx):
    booking = make_booking(AUTUMN, provider_tz="America/Los_Angeles")
    mail = mail_for(make_reminder(booking), booking, ctx)
    assert "When: Monday, 8 November 2027, 9:00 AM EST (center's time)\n" in mail.text
    assert "\n      6:00 AM PST (your time)\n" in mail.text
    assert mail.subject.endswith("Mon 8 Nov at 6:00 AM PST")
    event = Calendar.from_ical(mail.attachments[0].data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == AUTUMN
    assert "DTSTART;TZID=America/New_York:20271108T090000" in ics_text(mail)


def test_a_cancellation_gives_the_provider_the_reason_unescaped_in_text_escaped_in_html(ctx):
    reason = 'Patient chose a center "closer" <home> & family'
    booking = make_booking(status=CANCELLED, reason=reason)
    for recipient in (PROVIDER, PATIENT):
        mail = mail_for(make_reminder(booking, CANCELLATION, recipient), booking, ctx)
        if recipient == PROVIDER:
            assert f"Reason given: {reason}" in flat(mail.text)
            assert "&lt;home&gt; &amp; family" in mail.html and "<home>" not in mail.html
        else:  # a patient is never sent what was typed
            assert "Reason given" not in mail.text and "closer" not in mail.html
        assert "removes the consultation from your calendar" in flat(mail.text)
        assert "METHOD:CANCEL" in ics_text(mail)
        assert mail.attachments[0].content_type.endswith("method=CANCEL")


def test_the_text_part_carries_no_html_escapes(ctx):
    booking = make_booking(status=CANCELLED, reason="Moved to O'Neil & Sons")
    mail = mail_for(make_reminder(booking, CANCELLATION), booking, ctx)
    assert "center's time" in mail.text and "O'Neil & Sons" in mail.text
    assert "&#39;" not in mail.text and "&amp;" not in mail.text and "<" not in mail.text


def test_the_html_is_plain_and_accessible(ctx):
    booking = make_booking(provider_tz="America/Los_Angeles")
    html = mail_for(make_reminder(booking), booking, ctx).html
    assert '<html lang="en">' in html
    assert ">CAR T consultation reminder</h1>" in html
    assert (
        '<th scope="row" align="left" style="padding:4px 12px 4px 0;vertical-align:top;">When'
        in html
    )
    assert '<a href="tel:+1-617-632-3000">' in html
    assert f'<a href="{PUBLIC_URL}/bookings/{booking.id}">' in html
    # Styled inline (mail clients drop style sheets), nothing loaded from elsewhere
    for outside in ("<img", "<link", "<style", "<script", "src="):
        assert outside not in html


def test_the_provider_gets_buttons_to_view_move_and_cancel_and_the_patient_none(ctx):
    booking = make_booking()
    mail = mail_for(make_reminder(booking), booking, ctx)
    page = f"{PUBLIC_URL}/bookings/{booking.id}"
    for label, href in (("View the booking", page), ("Move it", f"{page}#move-heading"),
                        ("Cancel it", f"{page}#cancel-heading")):  # fmt: skip
        assert f'<a href="{href}" style=' in mail.html and f">{label}</a>" in mail.html
    assert f"Move or cancel it on the booking page: {page}#move-heading" in flat(mail.text)
    to_patient = mail_for(make_reminder(booking, recipient=PATIENT), booking, ctx)
    assert "/bookings/" not in to_patient.html and "Move it" not in to_patient.html
    cancelled = make_booking(AUTUMN, status=CANCELLED)
    gone = mail_for(make_reminder(cancelled, CANCELLATION), cancelled, ctx)
    assert "View the booking" in gone.html and "Move it" not in gone.html


def test_the_recipient_address_and_zone(ctx):
    booking = make_booking(email="", provider_tz="America/Chicago", patient_tz="Not/AZone")
    to_provider, to_patient = make_reminder(booking), make_reminder(booking, recipient=PATIENT)
    assert recipient_address(to_provider, booking, ctx) == "robin.lee@example.org"
    assert recipient_address(to_patient, booking, ctx) == ""
    assert recipient_zone(to_provider, booking, center()) == "America/Chicago"
    assert recipient_zone(to_patient, booking, center()) == "America/New_York"
    assert mail_for(to_patient, booking, ctx).to == ""  # the dispatcher skips it


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jane Quinn Doe", "J. D."),
        ("jane doe", "J. D."),
        ("Cher", "C."),
        ("  María  José   de la Cruz ", "M. C."),
        ("'Ali O'Brien", "A. O."),
        ("", "?"),
    ],
)
def test_initials(name, expected):
    assert initials(name) == expected


def test_every_row_the_booking_service_writes_can_be_composed(ctx):
    """Through the real service: hours published, booked, then cancelled."""
    hours = {
        "weekly": [{"day": "mon", "start": "09:00", "end": "10:00"}],
        "slot_minutes": 60,
        "buffer_minutes": 0,
        "capacity": 1,
        "min_notice_hours": 24,
        "horizon_days": 21,
    }
    place, catalog = center(), current_catalog()
    with db.transaction() as session:
        availability = parse_availability(hours, timezone=place.timezone)
        calendar.save_availability(session, place, availability, now=NOW, by=None)
    slot = next(
        s
        for s in calendar.week_slots(db.session(), place, date(2027, 3, 15))
        if s.start_at == SPRING
    )
    patient = Patient(name=PATIENT_NAME, birth_date=BIRTH_DATE, email="jane@example.org")
    request = BookingRequest(
        slot_id=slot.id, patient=patient, indication="LBCL", product="yescarta", notes=""
    )
    with db.transaction() as session:
        made = book(
            session,
            request,
            provider_id=ctx.id,
            centers=catalog.centers,
            products=catalog.products,
            now=NOW,
        )
        booking_id = made.booking.id
    with db.transaction() as session:
        cancel(session, session.get(BookingRow, booking_id), reason="", now=NOW)
    booking = db.session().get(BookingRow, booking_id)
    rows = db.session().query(ReminderRow).filter_by(booking_id=booking_id).all()
    assert {(row.kind, row.recipient) for row in rows} >= {
        (CONFIRMATION, PROVIDER),
        (CONFIRMATION, PATIENT),
        (REMINDER, PROVIDER),
        (CANCELLATION, PATIENT),
    }
    for row in rows:
        mail = mail_for(row, booking, ctx)
        assert mail.to in ("robin.lee@example.org", "jane@example.org")
        assert "METHOD:CANCEL" in ics_text(mail)  # the booking as it is now
        assert "Jane" not in mail.text + mail.html


def test_a_mailed_invite_is_a_request_naming_its_recipient_as_attendee(ctx):
    booking = make_booking()
    for recipient in (PROVIDER, PATIENT):
        mail = mail_for(make_reminder(booking, recipient=recipient), booking, ctx)
        event = Calendar.from_ical(mail.attachments[0].data)
        assert event["METHOD"] == "REQUEST"
        (vevent,) = event.walk("VEVENT")
        assert str(vevent["ATTENDEE"]) == f"mailto:{mail.to}"
