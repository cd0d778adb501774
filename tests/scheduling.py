"""A center with hours, two providers and its staff, on a plain session: for the hold,
publication and waitlist tests."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder import wiring
from finder.accounts.users import create_user
from finder.booking import calendar, use_cases
from finder.booking.bookings import Booked
from finder.centers.files import read_centers_csv, read_products
from finder.centers.records import active_centers, replace_centers
from finder.config import PROJECT_ROOT
from finder.domain.accounts import Actor, Role
from finder.domain.availability import parse_availability
from finder.domain.bookings import BookingRequest, Patient
from finder.domain.products import ProductCatalog
from finder.domain.ranking import CenterIndex
from finder.storage.db import make_engine
from finder.storage.models import HoldRow, SlotRow
from finder.unit_of_work import UnitOfWork
from tests.accounts import CENTER_X
from tests.conftest import SMALL_CENTERS

NOW = datetime(2027, 1, 11, 13, 0, tzinfo=UTC)  # a Monday 08:00 in Boston
HOURS = {
    "weekly": [{"day": d, "start": "09:00", "end": "12:00"} for d in ("mon", "tue", "wed")],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 2,
    "min_notice_hours": 24,
    "horizon_days": 14,
}


@dataclass
class Clinic:
    session: Session
    centers: CenterIndex
    products: ProductCatalog
    providers: list[Actor]
    staff: Actor

    def uow(self, now: datetime = NOW) -> UnitOfWork:
        return wiring.unit_of_work(self.session, now=now)

    def slots(self) -> list[SlotRow]:
        query = select(SlotRow).where(SlotRow.center_id == CENTER_X).order_by(SlotRow.start_at)
        return list(self.session.scalars(query))

    def bookable(self, now: datetime = NOW) -> list[SlotRow]:
        """Slots past the notice window (a day on from NOW)."""
        return [s for s in self.slots() if s.start_at.timestamp() > now.timestamp() + 86400]

    def hold(self, slot: SlotRow, who: int = 0, now: datetime = NOW) -> HoldRow:
        return use_cases.hold_slot(
            self.uow(now), self.providers[who], slot.id, centers=self.centers, seconds=600
        )

    def book(
        self, slot: SlotRow, who: int = 0, *, hold_id: str | None = None, now: datetime = NOW
    ) -> Booked:
        request = BookingRequest(
            slot_id=slot.id,
            patient=Patient(name="Alex Doe", birth_date=date(1960, 5, 1), email="a@example.org"),
            indication="LBCL",
            product="yescarta",
            notes="",
        )
        return use_cases.book_consultation(
            self.uow(now),
            self.providers[who],
            request,
            centers=self.centers,
            products=self.products,
            hold_id=hold_id,
        )


def open_clinic(database_url: str, providers: int = 3) -> Iterator[Clinic]:
    engine = make_engine(database_url)
    products = read_products(PROJECT_ROOT / "data")
    with Session(engine) as session:
        replace_centers(session, read_centers_csv(SMALL_CENTERS, products), now=NOW)
        made = [
            create_user(session, email=f"p{n}@example.org", role="provider", now=NOW)
            for n in range(providers)
        ]
        staff = create_user(
            session, email="s@example.org", role="staff", now=NOW, centers=[CENTER_X]
        )
        session.commit()
        centers = CenterIndex(active_centers(session), products)
        center = centers.get(CENTER_X)
        hours = parse_availability(HOURS, timezone=center.timezone)
        calendar.save_availability(session, center, hours, now=NOW, by=None)
        session.commit()
        yield Clinic(
            session,
            centers,
            products,
            [Actor(user.id, Role.PROVIDER) for user in made],
            Actor(staff.id, Role.STAFF, frozenset({CENTER_X})),
        )
    engine.dispose()
