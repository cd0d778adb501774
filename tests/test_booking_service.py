"""Calendars and bookings in the database, on SQLite and PostgreSQL: slots kept in line with the
hours, bookings counted by the database, nothing dropped when hours change."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from finder.booking import calendar
from finder.booking.bookings import UnknownSlot, find_booking, request_fingerprint
from finder.domain.accounts import Actor, Role
from finder.domain.availability import parse_availability, parse_closure
from finder.domain.bookings import (
    BookingNotChangeable,
    BookingRequest,
    IdempotencyKeyReused,
    Patient,
    ProductNotOffered,
    SlotOfAnotherCenter,
    SlotTaken,
    SlotUnavailable,
)
from finder.domain.errors import UnknownReference
from finder.domain.slots import CenterClosed, InsideMinimumNotice, SlotInPast
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import BookingRow, SlotRow
from tests.accounts import CENTER_X, CENTER_Y
from tests.bookings import book, cancel, record_outcome, reschedule

# A Monday 08:00 in Boston (EST): the week's slots lie ahead.
NOW = datetime(2027, 1, 11, 13, 0, tzinfo=UTC)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
HOURS = {
    "weekly": [{"day": d, "start": "09:00", "end": "12:00"} for d in WEEKDAYS],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 1,
    "min_notice_hours": 24,
    "horizon_days": 14,
}


def patient(name: str = "Alex Doe") -> Patient:
    return Patient(name=name, birth_date=date(1960, 5, 1), email="alex@example.org")


def request_for(slot_id: int, **changes: object) -> BookingRequest:
    fields: dict[str, object] = dict(
        slot_id=slot_id, patient=patient(), indication="LBCL", product="yescarta", notes=""
    )
    fields.update(changes)
    return BookingRequest(**fields)  # type: ignore[arg-type]


@pytest.fixture
def ctx(app: Flask, accounts):
    with app.app_context():
        yield accounts


def publish(center_id: str = CENTER_X, **changes: object) -> calendar.Refresh:
    center = current_catalog().centers.get(center_id)
    availability = parse_availability({**HOURS, **changes}, timezone=center.timezone)
    with db.transaction() as session:
        return calendar.save_availability(session, center, availability, now=NOW, by=None)


def slot_at(local_day: date, hour: int, center_id: str = CENTER_X) -> SlotRow:
    center = current_catalog().centers.get(center_id)
    monday = local_day - timedelta(local_day.weekday())
    for slot in calendar.week_slots(db.session(), center, monday):
        local = slot.start_at.astimezone(ZoneInfo(center.timezone))
        if local.date() == local_day and local.hour == hour:
            return slot
    raise AssertionError(f"no slot at {local_day} {hour}:00")


def do_book(request: BookingRequest, provider_id: int, key: str | None = None, now=NOW):
    catalog = current_catalog()
    with db.transaction() as session:
        return book(
            session,
            request,
            provider_id=provider_id,
            centers=catalog.centers,
            products=catalog.products,
            now=now,
            idempotency_key=key,
            fingerprint=request_fingerprint({"slot": request.slot_id, "n": request.patient.name}),
        )


def test_publishing_hours_creates_the_slots_of_the_horizon(ctx):
    refresh = publish()
    # 14 days from Monday 11 Jan: 11 weekdays (11-15, 18-22, 25) x 3 slots, minus none past.
    assert refresh.added == 33
    session = db.session()
    count = session.scalar(select(func.count(SlotRow.id)).where(SlotRow.center_id == CENTER_X))
    assert count == 33
    assert publish().added == 0  # idempotent


def test_a_full_slot_is_refused_and_the_count_never_exceeds_capacity(ctx):
    publish()
    slot = slot_at(date(2027, 1, 13), 9)
    do_book(request_for(slot.id), ctx["provider_a"].id)
    with pytest.raises(SlotTaken):
        do_book(request_for(slot.id, patient=patient("Other")), ctx["provider_b"].id)
    db.session().expire_all()
    assert db.session().get(SlotRow, slot.id).booked == 1


def test_capacity_three_takes_three(ctx):
    publish(capacity=3)
    slot = slot_at(date(2027, 1, 13), 10)
    for n in range(3):
        do_book(request_for(slot.id, patient=patient(f"P{n}")), ctx["provider_a"].id)
    with pytest.raises(SlotTaken):
        do_book(request_for(slot.id, patient=patient("P4")), ctx["provider_a"].id)


def test_bad_slots_are_refused_and_change_nothing(ctx):
    publish(min_notice_hours=48)
    provider = ctx["provider_a"].id
    with pytest.raises(UnknownSlot):
        do_book(request_for(999_999), provider)
    tomorrow = slot_at(date(2027, 1, 12), 9)  # 25 hours away: inside 48 h notice
    with pytest.raises(InsideMinimumNotice):
        do_book(request_for(tomorrow.id), provider)
    later = slot_at(date(2027, 1, 14), 9)
    with pytest.raises(SlotInPast):
        do_book(request_for(later.id), provider, now=datetime(2027, 1, 15, tzinfo=UTC))
    with pytest.raises(ProductNotOffered):
        do_book(request_for(later.id, product="aucatzyl"), provider)
    count = db.session().scalar(select(func.count(BookingRow.id)))
    assert count == 0
    db.session().expire_all()
    assert db.session().get(SlotRow, later.id).booked == 0


def test_same_idempotency_key_gives_the_same_booking(ctx):
    publish()
    slot = slot_at(date(2027, 1, 13), 9)
    first = do_book(request_for(slot.id), ctx["provider_a"].id, key="k-1")
    again = do_book(request_for(slot.id), ctx["provider_a"].id, key="k-1")
    assert not first.replayed and again.replayed
    assert again.booking.id == first.booking.id
    with pytest.raises(IdempotencyKeyReused):
        do_book(request_for(slot.id, patient=patient("Else")), ctx["provider_a"].id, key="k-1")
    # Keys are per provider.
    with pytest.raises(SlotTaken):
        do_book(request_for(slot.id), ctx["provider_b"].id, key="k-1")


def test_cancel_frees_the_slot_and_bumps_the_sequence(ctx):
    publish()
    slot = slot_at(date(2027, 1, 13), 9)
    booked = do_book(request_for(slot.id), ctx["provider_a"].id).booking
    with db.transaction() as session:
        cancelled = cancel(session, session.get(BookingRow, booked.id), reason="moved", now=NOW)
    assert cancelled.status == "cancelled" and cancelled.sequence == 1
    do_book(request_for(slot.id, patient=patient("Next")), ctx["provider_b"].id)
    with pytest.raises(BookingNotChangeable), db.transaction() as session:
        cancel(session, session.get(BookingRow, booked.id), reason="", now=NOW)


def test_reschedule_moves_the_booking_and_frees_the_old_slot(ctx):
    publish()
    old, new = slot_at(date(2027, 1, 13), 9), slot_at(date(2027, 1, 14), 11)
    booked = do_book(request_for(old.id), ctx["provider_a"].id).booking
    catalog = current_catalog()
    with db.transaction() as session:
        moved = reschedule(
            session, session.get(BookingRow, booked.id), slot_id=new.id, now=NOW,
            centers=catalog.centers,
        )  # fmt: skip
    assert moved.slot_id == new.id and moved.sequence == 1
    session = db.session()
    session.expire_all()
    assert session.get(SlotRow, old.id).booked == 0
    assert session.get(SlotRow, new.id).booked == 1


def test_reschedule_refuses_a_full_slot_or_another_centers(ctx):
    publish()
    publish(CENTER_Y)
    a, b = slot_at(date(2027, 1, 13), 9), slot_at(date(2027, 1, 13), 10)
    other = slot_at(date(2027, 1, 13), 9, CENTER_Y)
    first = do_book(request_for(a.id), ctx["provider_a"].id).booking
    do_book(request_for(b.id), ctx["provider_a"].id)
    catalog = current_catalog()
    for target, error in ((b.id, SlotTaken), (other.id, SlotOfAnotherCenter)):
        with pytest.raises(error), db.transaction() as session:
            reschedule(
                session, session.get(BookingRow, first.id), slot_id=target, now=NOW,
                centers=catalog.centers,
            )  # fmt: skip
    session = db.session()
    session.expire_all()
    assert session.get(BookingRow, first.id).slot_id == a.id
    assert session.get(SlotRow, a.id).booked == 1


def test_changing_hours_never_drops_a_booking(ctx):
    publish()
    slot = slot_at(date(2027, 1, 13), 11)
    booking = do_book(request_for(slot.id), ctx["provider_a"].id).booking
    refresh = publish(weekly=[{"day": d, "start": "09:00", "end": "11:00"} for d in WEEKDAYS])
    assert refresh.retired == 1  # the booked 11:00 slot stays, retired
    assert refresh.removed == 10  # the other 11:00 slots had nobody
    center = current_catalog().centers.get(CENTER_X)
    found = calendar.displaced(db.session(), center, now=NOW)
    assert [(d.booking.id, d.reason) for d in found] == [(booking.id, "outside_hours")]
    with pytest.raises(SlotUnavailable):
        do_book(request_for(slot.id, patient=patient("Late")), ctx["provider_b"].id)
    # Back to the old hours: the slot is offered again and nothing is displaced.
    assert publish().reopened == 1
    assert calendar.displaced(db.session(), center, now=NOW) == []


def test_a_closure_retires_its_slots_and_lists_the_bookings_on_it(ctx):
    publish()
    booked, unbooked = slot_at(date(2027, 1, 20), 9).id, slot_at(date(2027, 1, 20), 10).id
    do_book(request_for(booked), ctx["provider_a"].id)
    center = current_catalog().centers.get(CENTER_X)
    closure = parse_closure({"date": "2027-01-20", "reason": "Team retreat"})
    with db.transaction() as session:
        calendar.add_closure(session, center, closure, now=NOW, by=None)
    found = calendar.displaced(db.session(), center, now=NOW)
    assert [(d.reason, d.detail) for d in found] == [("closed", "Team retreat")]
    free = calendar.free_slots(
        db.session(), center, first_day=date(2027, 1, 20), last_day=date(2027, 1, 20), now=NOW
    )
    assert free == []
    with pytest.raises(UnknownSlot):  # a closed slot nobody had booked is gone
        do_book(request_for(unbooked), ctx["provider_a"].id)
    with pytest.raises(CenterClosed):
        do_book(request_for(booked, patient=patient("Late")), ctx["provider_b"].id)


def test_a_blocked_slot_cannot_be_booked(ctx):
    publish()
    slot = slot_at(date(2027, 1, 13), 9)
    with db.transaction() as session:
        calendar.set_blocked(session, CENTER_X, slot.id, blocked=True, reason="Tumor board")
    with pytest.raises(SlotUnavailable):
        do_book(request_for(slot.id), ctx["provider_a"].id)
    with pytest.raises(UnknownReference), db.transaction() as session:
        calendar.set_blocked(session, CENTER_Y, slot.id, blocked=False, reason="")


def test_next_free_and_free_slots_skip_full_and_notice(ctx):
    publish()
    center = current_catalog().centers.get(CENTER_X)
    first = calendar.next_free(db.session(), [center], now=NOW)[CENTER_X]
    # Notice 24 h from Monday 08:00 EST: Monday's slots are too soon, Tuesday 09:00 is not.
    assert first == datetime(2027, 1, 12, 14, 0, tzinfo=UTC)
    do_book(request_for(slot_at(date(2027, 1, 12), 9).id), ctx["provider_a"].id)
    db.session().expire_all()
    assert calendar.next_free(db.session(), [center], now=NOW)[CENTER_X] == first + timedelta(
        hours=1
    )
    free = calendar.free_slots(
        db.session(), center, first_day=date(2027, 1, 11), last_day=date(2027, 1, 13), now=NOW
    )
    assert len(free) == 5  # Tuesday's 10:00 and 11:00, Wednesday's three


def test_outcomes_only_once_the_time_has_come_and_tenants_are_hidden(ctx):
    publish()
    slot = slot_at(date(2027, 1, 13), 9)
    booking = do_book(request_for(slot.id), ctx["provider_a"].id).booking
    with pytest.raises(BookingNotChangeable), db.transaction() as session:
        record_outcome(session, session.get(BookingRow, booking.id), outcome="completed", now=NOW)
    after = datetime(2027, 1, 13, 15, 0, tzinfo=UTC)
    with db.transaction() as session:
        done = record_outcome(
            session, session.get(BookingRow, booking.id), outcome="no_show", now=after
        )
    assert done.status == "no_show"
    session = db.session()
    owner = Actor(ctx["provider_a"].id, Role.PROVIDER)
    assert find_booking(session, owner, booking.id).id == booking.id
    for stranger in (
        Actor(ctx["provider_b"].id, Role.PROVIDER),
        Actor(ctx["staff_y"].id, Role.STAFF, frozenset({CENTER_Y})),
    ):
        with pytest.raises(UnknownReference):
            find_booking(session, stranger, booking.id)
    staff = Actor(ctx["staff_x"].id, Role.STAFF, frozenset({CENTER_X}))
    assert find_booking(session, staff, booking.id).id == booking.id


def test_a_lower_capacity_lists_only_the_bookings_that_no_longer_fit(ctx):
    publish(capacity=2)
    slot = slot_at(date(2027, 1, 13), 9)
    first = do_book(request_for(slot.id), ctx["provider_a"].id).booking
    second = do_book(request_for(slot.id, patient=patient("B")), ctx["provider_b"].id).booking
    publish(capacity=1)
    center = current_catalog().centers.get(CENTER_X)
    found = calendar.displaced(db.session(), center, now=NOW)
    assert [(d.booking.id, d.reason) for d in found] == [(second.id, "over_capacity")]
    assert first.id != second.id


def test_the_refresh_command_rolls_the_horizon_forward(app, ctx):
    publish()
    with db.transaction() as session:  # as if the slots of the horizon's last days were missing
        session.query(SlotRow).delete()
    result = app.test_cli_runner().invoke(args=["slots", "refresh"])
    assert result.exit_code == 0, result.output
    assert "added" in result.output
    assert db.session().scalar(select(func.count(SlotRow.id))) > 0
