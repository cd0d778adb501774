"""The booking use cases on a plain session, no Flask app: each command changes, audits under
its one name and publishes in one transaction, or keeps nothing but its refusal's audit event."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from finder import wiring
from finder.accounts.users import create_user
from finder.booking import calendar, use_cases
from finder.booking.bookings import ChangeNotAllowed
from finder.centers.files import read_centers_csv, read_products
from finder.centers.records import active_centers, replace_centers
from finder.config import PROJECT_ROOT
from finder.domain.accounts import Actor, Role
from finder.domain.availability import parse_availability, parse_closure
from finder.domain.bookings import BookingNotChangeable, BookingRequest, InvalidBooking, Patient
from finder.domain.products import ProductCatalog
from finder.domain.ranking import CenterIndex
from finder.domain.reminders import CANCELLATION, CONFIRMATION
from finder.storage.db import make_engine
from finder.storage.models import AuditEventRow, BookingRow, ReferralRow, ReminderRow, SlotRow
from finder.unit_of_work import UnitOfWork
from tests.accounts import CENTER_X
from tests.conftest import SMALL_CENTERS

NOW = datetime(2027, 1, 11, 13, 0, tzinfo=UTC)  # a Monday 08:00 in Boston
HOURS = {
    "weekly": [{"day": d, "start": "09:00", "end": "12:00"} for d in ("mon", "tue", "wed")],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 1,
    "min_notice_hours": 24,
    "horizon_days": 14,
}


@dataclass
class World:
    session: Session
    centers: CenterIndex
    products: ProductCatalog
    provider: Actor
    staff: Actor

    def uow(self, now: datetime = NOW) -> UnitOfWork:
        return wiring.unit_of_work(self.session, now=now)

    def slots(self) -> list[SlotRow]:
        query = select(SlotRow).where(SlotRow.center_id == CENTER_X).order_by(SlotRow.start_at)
        return list(self.session.scalars(query))

    def book(self, slot: SlotRow) -> BookingRow:
        request = BookingRequest(
            slot_id=slot.id,
            patient=Patient(name="Alex Doe", birth_date=date(1960, 5, 1), email="a@example.org"),
            indication="LBCL",
            product="yescarta",
            notes="",
        )
        booked = use_cases.book_consultation(
            self.uow(), self.provider, request, centers=self.centers, products=self.products
        )
        return booked.booking

    def actions(self) -> list[tuple[str, str]]:
        rows = self.session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))
        return [(row.action, row.outcome) for row in rows]


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    engine = make_engine(database_url)
    products = read_products(PROJECT_ROOT / "data")
    with Session(engine) as session:
        replace_centers(session, read_centers_csv(SMALL_CENTERS, products), now=NOW)
        provider = create_user(session, email="p@example.org", role="provider", now=NOW)
        staff = create_user(
            session, email="s@example.org", role="staff", now=NOW, centers=[CENTER_X]
        )
        session.commit()
        centers = CenterIndex(active_centers(session), products)
        center = centers.get(CENTER_X)
        hours = parse_availability(HOURS, timezone=center.timezone)
        calendar.save_availability(session, center, hours, now=NOW, by=None)
        session.commit()
        yield World(
            session,
            centers,
            products,
            Actor(provider.id, Role.PROVIDER),
            Actor(staff.id, Role.STAFF, frozenset({CENTER_X})),
        )
    engine.dispose()


def test_a_booking_is_saved_with_its_messages_its_referral_and_its_audit_event(world):
    booking = world.book(world.slots()[3])
    world.session.expire_all()
    kinds = world.session.scalars(
        select(ReminderRow.kind).where(ReminderRow.booking_id == booking.id)
    ).all()
    assert CONFIRMATION in kinds
    assert world.session.get(BookingRow, booking.id).referral_id is not None
    assert world.session.scalars(select(ReferralRow)).one().center_id == CENTER_X
    assert world.actions() == [("booking_created", "ok")]


def test_staff_must_give_a_reason_to_cancel_and_the_refusal_is_audited(world):
    booking = world.book(world.slots()[3])
    with pytest.raises(InvalidBooking) as refused:
        use_cases.cancel_booking(world.uow(), world.staff, booking.id, reason="")
    assert "reason" in refused.value.fields
    world.session.expire_all()
    assert world.session.get(BookingRow, booking.id).status == "booked"
    assert world.actions()[-1] == ("booking_cancelled", "invalid_booking")
    done = use_cases.cancel_booking(world.uow(), world.staff, booking.id, reason="Doctor ill")
    assert (done.status, done.status_reason) == ("cancelled", "Doctor ill")
    notices = world.session.scalars(
        select(ReminderRow).where(
            ReminderRow.booking_id == booking.id, ReminderRow.kind == CANCELLATION
        )
    ).all()
    assert notices and world.actions()[-1] == ("booking_cancelled", "ok")


def test_the_provider_may_cancel_their_own_booking_without_a_reason(world):
    booking = world.book(world.slots()[3])
    done = use_cases.cancel_booking(world.uow(), world.provider, booking.id, reason=None)
    assert done.status == "cancelled"
    with pytest.raises(BookingNotChangeable):
        use_cases.cancel_booking(world.uow(), world.provider, booking.id, reason=None)


def test_a_provider_may_not_record_an_outcome(world):
    booking = world.book(world.slots()[3])
    with pytest.raises(ChangeNotAllowed):
        use_cases.record_booking_outcome(
            world.uow(), world.provider, booking.id, outcome="completed"
        )


def test_moving_a_booking_frees_the_old_slot_and_is_audited_once(world):
    old, new = world.slots()[3], world.slots()[5]
    booking = world.book(old)
    moved = use_cases.reschedule_booking(
        world.uow(), world.provider, booking.id, slot_id=new.id, centers=world.centers
    )
    world.session.expire_all()
    assert moved.slot_id == new.id
    assert world.session.get(SlotRow, old.id).booked == 0
    assert world.actions()[-1] == ("booking_rescheduled", "ok")


def test_a_closure_answers_the_bookings_on_its_dates_only(world):
    slots = world.slots()
    center = world.centers.get(CENTER_X)
    zone = ZoneInfo(center.timezone)
    on_closure, elsewhere = world.book(slots[3]), world.book(slots[-1])
    day = on_closure.slot.start_at.astimezone(zone).date()
    closure = parse_closure({"date": day.isoformat(), "reason": "Building works"})
    added = use_cases.add_closure(world.uow(), world.staff, center, closure)
    assert [item.booking.id for item in added.falling] == [on_closure.id]
    assert elsewhere.slot.start_at.astimezone(zone).date() > day
    assert world.actions()[-1] == ("closure_added", "ok")
    use_cases.remove_closure(world.uow(), world.staff, center, added.closure.id)
    assert world.actions()[-1] == ("closure_removed", "ok")


def test_blocking_and_opening_a_slot_are_audited_under_their_names(world):
    center = world.centers.get(CENTER_X)
    slot = world.slots()[4]
    use_cases.block_slot(world.uow(), world.staff, center, slot.id, blocked=True, reason="Away")
    use_cases.block_slot(world.uow(), world.staff, center, slot.id, blocked=False, reason="")
    assert world.actions()[-2:] == [("slot_blocked", "ok"), ("slot_unblocked", "ok")]


def test_staff_of_another_center_may_not_change_its_hours(world):
    center = world.centers.get(CENTER_X)
    stranger = Actor(world.staff.user_id, Role.STAFF, frozenset({"elsewhere"}))
    hours = parse_availability(HOURS, timezone=center.timezone)
    with pytest.raises(ChangeNotAllowed):
        use_cases.change_hours(world.uow(), stranger, center, hours)
