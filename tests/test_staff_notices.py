"""Staff notices and "needs a new time" against a real SMTP server, on SQLite and PostgreSQL:
each staff member hears of the changes they chose at their centers, at once or in a morning
digest, by initials only, in their language and clock; a provider whose booking lost its
place is told once, with a link from PUBLIC_URL."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from finder.booking.use_cases import calendar as calendar_use_cases
from finder.domain.accounts import Actor, Role
from finder.domain.availability import parse_availability
from finder.extensions import current_catalog
from finder.referrals import use_cases as referral_use_cases
from finder.referrals.intake import ReferralRequest
from finder.storage import db
from finder.storage.models import ReminderRow, UserSettingRow
from finder.wiring import unit_of_work
from tests.accounts import CENTER_X, CENTER_Y, add_account
from tests.bookings import cancel, reschedule
from tests.test_booking_service import HOURS, NOW, do_book, request_for, slot_at
from tests.test_reminder_dispatch import WEDNESDAY, Clock, dispatcher, mailing  # noqa: F401

PUBLIC = "https://finder.example.org"


def choose(user_id: int, notices: list[str], **more: object) -> None:
    with db.transaction() as session:
        setting = session.get(UserSettingRow, user_id) or UserSettingRow(user_id=user_id)
        setting.notices = notices
        for name, value in {"timezone": "", "language": "", "hour_cycle": "", "digest": False,
                            **more}.items():  # fmt: skip
            setattr(setting, name, value)
        session.add(setting)


@pytest.fixture
def staffed(mailing):  # noqa: F811 - the fixture imported above
    app, provider, smtp = mailing
    app.config["PUBLIC_URL"] = PUBLIC
    staff = add_account(app, "staff_x", role="staff", centers=[CENTER_X], name="Robin Lee")
    other = add_account(app, "staff_y", role="staff", centers=[CENTER_Y])
    return app, provider, staff, other, smtp


def sent_to(smtp, address: str) -> list:
    return [m for m in smtp.messages if m["To"] == address]


def body(message, subtype: str = "plain") -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def test_staff_hear_of_the_changes_they_chose_and_only_those(staffed):
    app, provider, staff, other, smtp = staffed
    choose(staff.id, ["booked", "cancelled"])
    choose(other.id, ["booked", "moved", "cancelled", "referred"])
    booking = do_book(request_for(slot_at(WEDNESDAY, 9).id), provider.id).booking
    dispatcher(app, Clock()).drain()
    with db.transaction() as session:
        reschedule(session, booking, slot_id=slot_at(WEDNESDAY, 10).id, now=NOW,
                   centers=current_catalog().centers)  # fmt: skip
    with db.transaction() as session:
        cancel(session, booking, reason="Patient unwell, see notes", now=NOW)
    dispatcher(app, Clock()).drain()
    mine = sent_to(smtp, staff.email)
    assert [m["Subject"] for m in mine] == [
        "New booking at Dana-Farber Cancer Institute",
        "A booking was cancelled at Dana-Farber Cancer Institute",
    ]
    assert sent_to(smtp, other.email) == []  # not their center
    for message in mine:
        for text in (body(message), body(message, "html")):
            assert "A. D." in text and "Alex Doe" not in text
            assert "1960" not in text and "unwell" not in text
            assert f"{PUBLIC}/staff/centers/{CENTER_X}/bookings/{booking.id}" in text
        assert message["Message-ID"].endswith("@finder.example.org>")
    assert "9:00 AM" in body(mine[0])


def test_a_staff_member_reads_in_spanish_in_their_zone_and_24_hours(staffed):
    app, provider, staff, _, smtp = staffed
    choose(staff.id, ["booked"], language="es", hour_cycle="24",
           timezone="America/Los_Angeles")  # fmt: skip
    do_book(request_for(slot_at(WEDNESDAY, 9).id), provider.id)
    dispatcher(app, Clock()).drain()
    (message,) = sent_to(smtp, staff.email)
    assert message["Subject"] == "Nueva cita en Dana-Farber Cancer Institute"
    assert "06:00 PST" in body(message, "html") and "Hola, Robin Lee" in body(message)


def test_referrals_are_told_to_staff_who_chose_them(staffed):
    app, provider, staff, _, smtp = staffed
    choose(staff.id, ["referred"])
    with db.transaction() as session:
        asked = ReferralRequest(
            center_id=CENTER_X,
            patient={"name": "Alex Doe", "birth_date": "1970-02-03"},  # type: ignore[arg-type]
            note="Relapsed twice",
        )
        who = Actor(provider.id, Role.PROVIDER)
        referral = referral_use_cases.refer(
            unit_of_work(session, now=NOW), who, asked, catalog=current_catalog()
        )
        number = referral.id
    dispatcher(app, Clock()).drain()
    (message,) = sent_to(smtp, staff.email)
    assert message["Subject"] == "New referral to Dana-Farber Cancer Institute"
    text = body(message)
    assert f"New referral {number}" in text and "A. D." in text
    assert "Relapsed" not in text and "1970" not in text
    assert f"{PUBLIC}/referrals/{number}" in text


def test_a_digest_gathers_the_day_and_goes_out_at_seven(staffed):
    app, provider, staff, _, smtp = staffed
    choose(staff.id, ["booked", "cancelled"], digest=True, timezone="America/New_York")
    first = do_book(request_for(slot_at(WEDNESDAY, 9).id), provider.id).booking
    do_book(request_for(slot_at(WEDNESDAY, 10).id), provider.id)
    with db.transaction() as session:
        cancel(session, first, reason="", now=NOW)
    clock = Clock()
    dispatcher(app, clock).drain()
    assert sent_to(smtp, staff.email) == []
    with db.transaction() as session:
        digest = session.scalars(select(ReminderRow).where(ReminderRow.kind == "staff_digest"))
        (row,) = list(digest)
        due = row.due_at
    assert due > NOW and due.astimezone(ZoneInfo("America/New_York")).hour == 7
    clock.now = due
    dispatcher(app, clock).drain()
    (message,) = sent_to(smtp, staff.email)
    assert message["Subject"] == "Your centers today: 3 changes"
    text = body(message)
    assert text.count("Booked:") == 2 and text.count("Cancelled:") == 1
    assert "Alex Doe" not in text


def test_a_displaced_booking_s_provider_is_told_once_it_needs_a_new_time(staffed):
    app, provider, staff, _, smtp = staffed
    booking = do_book(request_for(slot_at(WEDNESDAY, 9).id), provider.id).booking
    dispatcher(app, Clock()).drain()
    before = len(smtp.messages)
    center = current_catalog().centers.get(CENTER_X)
    staff_actor = Actor(staff.id, Role.STAFF, frozenset({CENTER_X}))
    afternoons = {**HOURS, "weekly": [{"day": d, "start": "13:00", "end": "16:00"}
                                      for d in ("mon", "tue", "wed", "thu", "fri")]}  # fmt: skip
    for _ in range(2):  # saved twice: told once
        with db.transaction() as session:
            hours = parse_availability(afternoons, timezone=center.timezone)
            calendar_use_cases.change_hours(
                unit_of_work(session, now=NOW), staff_actor, center, hours
            )
    dispatcher(app, Clock()).drain()
    told = smtp.messages[before:]
    assert [m["To"] for m in told] == [provider.email]
    assert told[0]["Subject"] == (
        f"Your booking {booking.id} at Dana-Farber Cancer Institute needs a new time"
    )
    text = body(told[0])
    assert "A. D." in text and "Alex Doe" not in text
    assert f"{PUBLIC}/bookings/{booking.id}" in text


def test_a_booking_cancelled_before_its_notice_went_out_is_told_once_as_cancelled(staffed):
    app, provider, staff, _, smtp = staffed
    choose(staff.id, ["booked", "cancelled"])
    booking = do_book(request_for(slot_at(WEDNESDAY, 9).id), provider.id).booking
    with db.transaction() as session:
        cancel(session, booking, reason="", now=NOW)
    dispatcher(app, Clock()).drain()
    assert [m["Subject"] for m in sent_to(smtp, staff.email)] == [
        "A booking was cancelled at Dana-Farber Cancer Institute"
    ]


def test_a_deactivated_staff_member_is_not_mailed(staffed):
    app, provider, staff, _, smtp = staffed
    choose(staff.id, ["booked"])
    do_book(request_for(slot_at(WEDNESDAY, 9).id), provider.id)
    with db.transaction() as session:
        from finder.storage.models import UserRow

        session.get(UserRow, staff.id).active = False
    dispatcher(app, Clock()).drain()
    assert sent_to(smtp, staff.email) == []


def test_every_notice_reads_in_spanish_too(staffed):
    app, provider, staff, _, smtp = staffed
    choose(staff.id, ["moved", "referred"], language="es")
    choose(provider.id, [], language="es")
    booking = do_book(request_for(slot_at(WEDNESDAY, 9).id), provider.id).booking
    with db.transaction() as session:
        reschedule(session, booking, slot_id=slot_at(WEDNESDAY, 10).id, now=NOW,
                   centers=current_catalog().centers)  # fmt: skip
    with db.transaction() as session:
        who = Actor(provider.id, Role.PROVIDER)
        asked = ReferralRequest(
            center_id=CENTER_X,
            patient={"name": "Ana López", "birth_date": "1970-02-03"},  # type: ignore[arg-type]
        )
        referral_use_cases.refer(unit_of_work(session, now=NOW), who, asked,
                                 catalog=current_catalog())  # fmt: skip
    center = current_catalog().centers.get(CENTER_X)
    afternoons = {**HOURS, "weekly": [{"day": "wed", "start": "13:00", "end": "16:00"}]}
    with db.transaction() as session:
        calendar_use_cases.change_hours(
            unit_of_work(session, now=NOW), Actor(staff.id, Role.STAFF, frozenset({CENTER_X})),
            center, parse_availability(afternoons, timezone=center.timezone),
        )  # fmt: skip
    dispatcher(app, Clock()).drain()
    subjects = {m["Subject"] for m in smtp.messages}
    assert "Una cita cambió de hora en Dana-Farber Cancer Institute" in subjects
    assert "Nueva remisión a Dana-Farber Cancer Institute" in subjects
    assert (
        f"Su cita {booking.id} en Dana-Farber Cancer Institute necesita una nueva hora" in subjects
    )
    for message in smtp.messages:
        if message["To"] == staff.email or "nueva hora" in message["Subject"]:
            assert "Ana López" not in body(message) and "Alex Doe" not in body(message)


def test_a_spanish_digest(staffed):
    app, provider, staff, _, smtp = staffed
    choose(staff.id, ["booked"], digest=True, language="es", timezone="America/New_York")
    do_book(request_for(slot_at(WEDNESDAY, 9).id), provider.id)
    clock = Clock()
    clock.now = NOW + timedelta(days=1)
    dispatcher(app, clock).drain()
    (message,) = sent_to(smtp, staff.email)
    assert message["Subject"] == "Sus centros hoy: 1 cambio"
    assert "Reservada: cita" in body(message, "html")
