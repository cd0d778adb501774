"""No-show and cancellation rates per month, on SQLite and PostgreSQL: the one count, and the
one table the staff's week page and the center's referrals page show, in English and Spanish."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select, update

from finder.booking import calendar, use_cases
from finder.booking.outcomes import monthly_outcomes
from finder.domain.availability import DAYS, parse_availability
from finder.domain.bookings import BookingRequest, Patient
from finder.domain.outcomes import first_of_month
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import BookingRow, SlotRow
from tests.accounts import CENTER_X, signed_in_client
from tests.bookings import book
from tests.scheduling import NOW, Clinic, open_clinic

WEEK = f"/staff/centers/{CENTER_X}/calendar"
REFERRALS = f"/staff/centers/{CENTER_X}/referrals"
SECTION = re.compile(r'<section class="outcomes-section".*?</section>', re.S)


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    yield from open_clinic(database_url)


def test_rates_count_cancellations_of_all_booked_and_no_shows_of_outcomes_recorded(clinic):
    slots = clinic.bookable()
    made = [clinic.book(slot, n % 3).booking for n, slot in enumerate(slots[:4])]
    use_cases.cancel_booking(clinic.uow(), clinic.providers[0], made[0].id, reason="Moved")
    later = NOW + timedelta(days=20)
    for booking, outcome in ((made[1], "no_show"), (made[2], "completed")):
        use_cases.record_booking_outcome(
            clinic.uow(later), clinic.staff, booking.id, outcome=outcome
        )
    center = clinic.centers.get(CENTER_X)
    months = monthly_outcomes(clinic.session, center, last_month=NOW.date(), months=3)
    assert [m.month.isoformat() for m in months] == ["2026-11-01", "2026-12-01", "2027-01-01"]
    january = months[-1]
    assert (january.booked, january.cancelled, january.completed, january.no_show) == (4, 1, 1, 1)
    assert january.cancellation_rate == 0.25
    assert january.no_show_rate == 0.5
    assert months[0].cancellation_rate is None and months[0].no_show_rate is None


def book_this_month(
    app: Flask, provider_id: int, statuses: tuple[str, ...], center_id: str = CENTER_X
) -> None:
    """One booking per status at the center, each moved to a time early today, the center's day:
    the week page's month and the referrals page's month are then both the current one."""
    at = datetime.now(UTC)
    with app.app_context(), db.transaction() as session:
        catalog = current_catalog()
        center = catalog.centers.get(center_id)
        zone = ZoneInfo(center.timezone)
        hours = {
            "weekly": [{"day": day, "start": "09:00", "end": "12:00"} for day in DAYS],
            "slot_minutes": 60,
            "buffer_minutes": 0,
            "capacity": 1,
            "min_notice_hours": 24,
            "horizon_days": 14,
        }
        calendar.save_availability(
            session, center, parse_availability(hours, timezone=center.timezone), now=at, by=None
        )
        session.flush()
        midnight = datetime.combine(at.astimezone(zone).date(), time(0), zone)
        beyond_notice = (
            select(SlotRow)
            .where(SlotRow.center_id == center_id, SlotRow.start_at > at + timedelta(days=1))
            .order_by(SlotRow.start_at)
        )
        free = list(session.scalars(beyond_notice))
        for n, status in enumerate(statuses):
            request = BookingRequest(
                slot_id=free[n].id,
                patient=Patient(
                    name="Olive Outcome",
                    birth_date=datetime(1961, 2, 3).date(),
                    email="o@example.org",
                ),
                indication="LBCL",
                product="yescarta",
                notes="",
            )
            made = book(
                session,
                request,
                provider_id=provider_id,
                centers=catalog.centers,
                products=catalog.products,
                now=at,
            ).booking
            start = midnight + timedelta(minutes=10 * n)
            session.execute(
                update(SlotRow)
                .where(SlotRow.id == made.slot_id)
                .values(start_at=start, end_at=start + timedelta(minutes=10))
            )
            session.execute(
                update(BookingRow).where(BookingRow.id == made.id).values(status=status)
            )


def outcomes_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    found = SECTION.search(response.get_data(as_text=True))
    assert found, f"no outcomes on {path}"
    return unescape(found.group(0))


def cells(section: str, month: str) -> list[str]:
    """The figures of the month's row, as the page shows them."""
    row = re.search(rf'<th scope="row">{month}</th>(.*?)</tr>', section, re.S)
    assert row, f"no row for {month}"
    return re.findall(r"<td>(.*?)</td>", row.group(1))


STATUSES = ("booked", "cancelled", "completed", "no_show")


def test_the_center_referrals_page_shows_the_week_pages_outcomes(app: Flask, accounts):
    book_this_month(app, accounts["provider_a"].id, STATUSES)
    staff = signed_in_client(app, accounts["staff_x"])
    on_referrals = outcomes_of(staff, REFERRALS)
    assert on_referrals == outcomes_of(staff, WEEK)
    month = first_of_month(datetime.now(ZoneInfo("America/New_York")).date())
    label = month.strftime("%B %Y")
    # booked, cancelled, cancellation rate, outcome recorded, no-shows, no-show rate
    assert cells(on_referrals, label) == ["4", "1", "25%", "2", "1", "50%"]
    assert len(re.findall(r'<th scope="row">', on_referrals)) == 6  # six months, oldest first
    assert '<th scope="col">No-show rate</th>' in on_referrals
    assert "<caption" in on_referrals and "by month" in on_referrals


def test_the_rates_are_written_the_spanish_way_in_spanish(app: Flask, accounts):
    book_this_month(app, accounts["provider_a"].id, STATUSES)
    staff = signed_in_client(app, accounts["staff_x"])
    on_referrals = outcomes_of(staff, REFERRALS + "?lang=es")
    assert on_referrals == outcomes_of(staff, WEEK + "?lang=es")
    assert "Resultados por mes" in on_referrals and "Tasa de inasistencia" in on_referrals
    assert "Consultas reservadas en" in on_referrals
    months = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")  # fmt: skip
    today = datetime.now(ZoneInfo("America/New_York")).date()
    label = f"{months[today.month - 1]} {today.year}"
    assert cells(on_referrals, label) == ["4", "1", "25\xa0%", "2", "1", "50\xa0%"]


def test_with_no_booking_both_pages_say_so_instead_of_a_table(app: Flask, accounts):
    staff = signed_in_client(app, accounts["staff_x"])
    for path in (REFERRALS, WEEK):
        section = outcomes_of(staff, path)
        assert "Outcomes by month" in section
        assert "No consultation was booked at this center in the last 6 months." in section
        assert "<table" not in section
    spanish = outcomes_of(staff, REFERRALS + "?lang=es")
    assert "No se reservó ninguna consulta en este centro en los últimos 6 meses." in spanish


def test_another_centers_staff_see_no_outcomes_of_this_center(app: Flask, accounts):
    book_this_month(app, accounts["provider_a"].id, STATUSES)
    other = signed_in_client(app, accounts["staff_y"])
    response = other.get(REFERRALS)
    assert response.status_code == 404
    assert "outcomes-section" not in response.get_data(as_text=True)
