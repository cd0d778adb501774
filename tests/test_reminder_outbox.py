"""Bookings write their reminders in their own transaction, on SQLite and PostgreSQL: booking
plans them, rescheduling moves them, cancelling cancels them, and a failed change leaves none."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from finder.booking.calendar import save_availability
from finder.domain.availability import parse_availability
from finder.domain.bookings import Patient, SlotTaken
from finder.extensions import current_catalog
from finder.reminders.outbox import reminders_of, resend
from finder.storage import db
from finder.storage.models import BookingRow, CalendarRow, ReminderRow
from tests.accounts import CENTER_X
from tests.bookings import cancel, reschedule
from tests.test_booking_service import HOURS, NOW, ctx, do_book, request_for, slot_at

__all__ = ["ctx"]

WEDNESDAY = date(2027, 1, 13)


def rows(booking_id: int) -> list[tuple[str, str, int | None, str]]:
    session = db.session()
    session.expire_all()
    found = reminders_of(session, [booking_id])[booking_id]
    return [(r.kind, r.recipient, r.hours_before, r.status) for r in found]


def publish(**changes: object) -> None:
    center = current_catalog().centers.get(CENTER_X)
    availability = parse_availability({**HOURS, **changes}, timezone=center.timezone)
    with db.transaction() as session:
        save_availability(session, center, availability, now=NOW, by=None)


def test_a_booking_plans_a_confirmation_and_two_reminders_to_provider_and_patient(ctx):
    publish()
    slot = slot_at(WEDNESDAY, 9)
    booking = do_book(request_for(slot.id), ctx["provider_a"].id).booking
    planned = rows(booking.id)
    assert planned == [
        ("confirmation", "provider", None, "pending"),
        ("confirmation", "patient", None, "pending"),
        ("reminder", "provider", 24, "pending"),
        ("reminder", "patient", 24, "pending"),
    ]  # Booked on Monday for Wednesday: the 3-day reminder is already past.
    session = db.session()
    due = session.scalars(select(ReminderRow.due_at).where(ReminderRow.hours_before == 24)).all()
    assert set(due) == {slot.start_at - timedelta(days=1)}


def test_without_a_patient_email_only_the_provider_is_written_to(ctx):
    publish()
    slot = slot_at(date(2027, 1, 22), 10)
    quiet = Patient(name="Pat Quiet", birth_date=date(1970, 1, 1), email="")
    booking = do_book(request_for(slot.id, patient=quiet), ctx["provider_a"].id).booking
    assert {recipient for _, recipient, _, _ in rows(booking.id)} == {"provider"}
    assert [h for k, _, h, _ in rows(booking.id) if k == "reminder"] == [72, 24]


def test_the_centers_own_reminder_times_are_used(ctx):
    publish()
    with db.transaction() as session:
        session.get(CalendarRow, CENTER_X).reminder_hours = [48, 2]
    slot = slot_at(date(2027, 1, 22), 10)
    booking = do_book(request_for(slot.id), ctx["provider_a"].id).booking
    assert sorted({h for k, _, h, _ in rows(booking.id) if k == "reminder"}) == [2, 48]


def test_a_refused_booking_leaves_no_reminders(ctx):
    publish()
    slot = slot_at(WEDNESDAY, 9)
    do_book(request_for(slot.id), ctx["provider_a"].id)
    before = db.session().scalar(select(func.count(ReminderRow.id)))
    with pytest.raises(SlotTaken):
        do_book(request_for(slot.id), ctx["provider_b"].id)
    assert db.session().scalar(select(func.count(ReminderRow.id))) == before


def test_cancelling_cancels_what_is_pending_and_sends_a_notice(ctx):
    publish()
    booking = do_book(request_for(slot_at(WEDNESDAY, 9).id), ctx["provider_a"].id).booking
    with db.transaction() as session:
        cancel(session, session.get(BookingRow, booking.id), reason="", now=NOW)
    assert rows(booking.id) == [
        ("confirmation", "provider", None, "cancelled"),
        ("confirmation", "patient", None, "cancelled"),
        ("cancellation", "provider", None, "pending"),
        ("cancellation", "patient", None, "pending"),
        ("reminder", "provider", 24, "cancelled"),
        ("reminder", "patient", 24, "cancelled"),
    ]


def test_rescheduling_moves_pending_reminders_and_plans_the_ones_now_ahead(ctx):
    publish()
    booking = do_book(request_for(slot_at(WEDNESDAY, 9).id), ctx["provider_a"].id).booking
    with db.transaction() as session:  # the confirmation went out
        session.execute(
            ReminderRow.__table__.update()
            .where(ReminderRow.kind == "confirmation")
            .values(status="sent")
        )
    later = slot_at(date(2027, 1, 22), 10)
    with db.transaction() as session:
        reschedule(
            session, session.get(BookingRow, booking.id), slot_id=later.id, now=NOW,
            centers=current_catalog().centers,
        )  # fmt: skip
    session = db.session()
    session.expire_all()
    found = reminders_of(session, [booking.id])[booking.id]
    pending = [r for r in found if r.status == "pending"]
    assert sorted((r.kind, r.recipient, r.hours_before) for r in pending) == [
        ("reminder", "patient", 24),
        ("reminder", "patient", 72),
        ("reminder", "provider", 24),
        ("reminder", "provider", 72),
        ("rescheduled", "patient", None),
        ("rescheduled", "provider", None),
    ]
    for row in pending:
        assert row.slot_id == later.id
        if row.hours_before:
            assert row.due_at == later.start_at - timedelta(hours=row.hours_before)
    # The 24-hour rows were moved, not copied: two reminder rows per recipient, no more.
    assert len([r for r in found if r.kind == "reminder"]) == 4


def test_rescheduling_before_the_confirmation_went_out_sends_no_second_notice(ctx):
    publish()
    booking = do_book(request_for(slot_at(WEDNESDAY, 9).id), ctx["provider_a"].id).booking
    with db.transaction() as session:
        reschedule(
            session, session.get(BookingRow, booking.id), slot_id=slot_at(WEDNESDAY, 10).id,
            now=NOW, centers=current_catalog().centers,
        )  # fmt: skip
    assert "rescheduled" not in {kind for kind, _, _, _ in rows(booking.id)}


def test_resend_queues_a_new_message_that_remembers_the_first(ctx):
    publish()
    booking = do_book(request_for(slot_at(WEDNESDAY, 9).id), ctx["provider_a"].id).booking
    later = NOW + timedelta(hours=1)
    with db.transaction() as session:
        first = reminders_of(session, [booking.id])[booking.id][0]
        first.status = "sent"
        copy = resend(session, first, now=later)
    assert copy.resend_of == first.id and copy.status == "pending"
    assert copy.due_at == later and copy.kind == first.kind
    assert datetime(2027, 1, 1, tzinfo=UTC) < copy.next_attempt_at
