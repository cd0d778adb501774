"""No-show and cancellation rates per month, on SQLite and PostgreSQL, and on the staff's week
page in English and Spanish."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from finder.booking import use_cases
from finder.booking.outcomes import monthly_outcomes
from tests.accounts import CENTER_X, signed_in_client
from tests.scheduling import NOW, Clinic, open_clinic


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


def test_the_week_page_shows_the_rates_in_english_and_spanish(app, accounts):
    staff = signed_in_client(app, accounts["staff_x"])
    page = staff.get(f"/staff/centers/{CENTER_X}/calendar").get_data(as_text=True)
    assert "Outcomes by month" in page and "No-show rate" in page
    spanish = staff.get(f"/staff/centers/{CENTER_X}/calendar?lang=es").get_data(as_text=True)
    assert "Resultados por mes" in spanish and "Tasa de inasistencia" in spanish
