"""When reminders fall due, which go out, and how failures are retried: no database."""

from datetime import UTC, datetime, timedelta

import pytest

from finder.domain.bookings import BOOKED, CANCELLED, COMPLETED
from finder.domain.reminders import (
    BOOKING_CANCELLED,
    BOOKING_CLOSED,
    BOOKING_MOVED,
    CANCELLATION,
    CONFIRMATION,
    CONSULTATION_STARTED,
    MAX_ATTEMPTS,
    PATIENT,
    PROVIDER,
    REMINDER,
    InvalidReminderHours,
    check_reminder_hours,
    notices,
    recipients,
    reminder_due_at,
    retry_at,
    skip_reason,
    timed_reminders,
)

NEW_YORK = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_day_before_is_the_same_wall_clock_time_the_day_before():
    start = utc(2027, 1, 20, 14)  # 09:00 EST
    assert reminder_due_at(start, 24, NEW_YORK) == utc(2027, 1, 19, 14)


def test_three_days_before_a_consultation_after_spring_forward_keeps_the_wall_clock():
    # Monday 15 March 2027 09:00 EDT; three days before is Friday 12 March 09:00 EST.
    start = utc(2027, 3, 15, 13)
    assert reminder_due_at(start, 72, NEW_YORK) == utc(2027, 3, 12, 14)
    assert reminder_due_at(start, 24, NEW_YORK) == utc(2027, 3, 14, 13)  # Sunday 09:00 EDT


def test_three_days_before_a_consultation_after_fall_back_keeps_the_wall_clock():
    # Monday 8 November 2027 09:00 EST; three days before is Friday 09:00 EDT, 73 hours earlier.
    start = utc(2027, 11, 8, 14)
    assert start - reminder_due_at(start, 72, NEW_YORK) == timedelta(hours=73)


def test_a_wall_time_the_clocks_skip_falls_due_an_hour_later():
    # 02:30 on 14 March 2027 does not exist in New York: due at 03:30 EDT instead.
    start = utc(2027, 3, 15, 6, 30)  # 02:30 EDT on the 15th
    assert reminder_due_at(start, 24, NEW_YORK) == utc(2027, 3, 14, 7, 30)


def test_a_repeated_wall_time_falls_due_at_its_first_occurrence():
    start = utc(2027, 11, 8, 6, 30)  # 01:30 EST on the 8th
    assert reminder_due_at(start, 24, NEW_YORK) == utc(2027, 11, 7, 5, 30)  # 01:30 EDT


def test_reminders_already_past_are_not_planned():
    start = utc(2027, 1, 20, 14)
    now = utc(2027, 1, 18, 14)  # two days ahead: the 3-day reminder is past
    planned = timed_reminders(
        start, timezone=NEW_YORK, hours_before=(72, 24), to=(PROVIDER, PATIENT), now=now
    )
    assert [(p.hours_before, p.recipient) for p in planned] == [(24, PROVIDER), (24, PATIENT)]
    assert all(p.kind == REMINDER and p.due_at == utc(2027, 1, 19, 14) for p in planned)


def test_notices_are_due_at_once():
    now = utc(2027, 1, 18, 14)
    assert [
        (n.kind, n.recipient, n.due_at) for n in notices(CONFIRMATION, to=(PROVIDER,), now=now)
    ] == [(CONFIRMATION, PROVIDER, now)]


def test_the_patient_is_written_to_only_when_they_gave_an_email():
    assert recipients("") == (PROVIDER,)
    assert recipients("pat@example.org") == (PROVIDER, PATIENT)


@pytest.mark.parametrize(
    ("given", "stored"), [([24, 72], (72, 24)), ([], ()), ([1, 336, 2, 48], (336, 48, 2, 1))]
)
def test_reminder_hours_are_kept_largest_first(given, stored):
    assert check_reminder_hours(given) == stored


@pytest.mark.parametrize("given", [[0], [337], [24, 24], [1, 2, 3, 4, 5], ["24"], [True], [2.5]])
def test_unusable_reminder_hours_are_refused(given):
    with pytest.raises(InvalidReminderHours) as refused:
        check_reminder_hours(given)
    assert refused.value.fields == {"reminder_hours": "invalid"}


def test_retries_back_off_then_stop():
    now = utc(2027, 1, 1)
    waits = [retry_at(n, now) for n in range(1, MAX_ATTEMPTS + 1)]
    assert waits[:-1] == [now + timedelta(minutes=m) for m in (1, 5, 15, 30)]
    assert waits[-1] is None


START = utc(2027, 1, 20, 14)
BEFORE = utc(2027, 1, 19, 14)


def skip(kind, status=BOOKED, slot=1, planned=1, now=BEFORE):
    return skip_reason(
        kind, booking_status=status, booking_slot_id=slot, planned_slot_id=planned,
        start_at=START, now=now,
    )  # fmt: skip


def test_a_due_reminder_of_a_standing_booking_goes_out():
    assert skip(REMINDER) is None
    assert skip(CONFIRMATION) is None


def test_nothing_but_the_cancellation_goes_out_for_a_cancelled_booking():
    assert skip(REMINDER, status=CANCELLED) == BOOKING_CANCELLED
    assert skip(CONFIRMATION, status=CANCELLED) == BOOKING_CANCELLED
    assert skip(CANCELLATION, status=CANCELLED) is None


def test_a_reminder_planned_for_another_slot_is_not_sent():
    assert skip(REMINDER, slot=2, planned=1) == BOOKING_MOVED


def test_a_reminder_after_the_consultation_started_is_not_sent():
    assert skip(REMINDER, now=START) == CONSULTATION_STARTED
    assert skip(REMINDER, status=COMPLETED, now=START) == BOOKING_CLOSED
