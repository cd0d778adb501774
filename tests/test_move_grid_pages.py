# ruff: noqa: F811 - the fixtures imported below are used by name
"""The week grid a booking is moved on, on SQLite and PostgreSQL: the booking's own week first
with its slot marked, weeks from this one to the booking horizon and no further, full slots and
slots within the notice shown but never offered, a bad week refused in words, the chosen week
kept when a move is refused, and every word in Spanish too. The move use case still decides."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from finder.booking.pages.move_grid import CURRENT, FREE, NONE, SOON, move_grid
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import BookingRow, SlotRow
from tests.accounts import CENTER_X, csrf_token, signed_in_client
from tests.test_staff_calendar_pages import (  # noqa: F401
    BASE,
    BOSTON,
    TODAY,
    book_slot,
    booked,
    booking_row,
    on,
    published,
    slot_id_at,
    staff,
    text_of,
)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def page(client, booking_id: int, **query: str):
    return client.get(f"{BASE}/bookings/{booking_id}", query_string=query)


def test_the_grid_opens_on_the_booking_s_week_with_its_slot_marked(app, booked, published):
    html = text_of(page(published, booked))
    current = booking_row(app, booked).slot_id
    assert 'id="move-current"' in html and f'id="move-{current}"' not in html
    assert f'id="move-{slot_id_at(app, on(1), 10)}"' in html  # another free slot that week
    assert f"Week of {on(0):%a} {on(0).day} {on(0):%b %Y}" in html
    assert html.count('class="move-column"') == 7
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_the_weeks_run_from_this_one_to_the_booking_horizon(app, booked, published):
    first = text_of(page(published, booked, week="2000-01-03"))  # long past: this week
    assert f"Week of {monday_of(TODAY):%a} {monday_of(TODAY).day}" in first
    assert 'class="move-weeks"' in first and 'rel="prev"' not in first
    last_monday = monday_of(TODAY + timedelta(days=28))  # the hours' 28-day horizon
    last = text_of(page(published, booked, week="2999-12-30"))  # far ahead: the last week
    assert f"Week of {last_monday:%a} {last_monday.day}" in last
    assert 'rel="next"' not in last and 'rel="prev"' in last
    beyond = slot_row_ids_after(app, TODAY + timedelta(days=29))
    assert not any(f'id="move-{slot}"' in last for slot in beyond)


def slot_row_ids_after(app, day: date) -> list[int]:
    start = datetime.combine(day, time(0), BOSTON).astimezone(UTC)
    with app.app_context():
        query = select(SlotRow.id).where(SlotRow.center_id == CENTER_X, SlotRow.start_at >= start)
        return list(db.session().scalars(query))


def test_a_full_slot_is_shown_but_not_offered(app, accounts, booked, published):
    full = slot_id_at(app, on(1), 10)
    for _ in range(2):  # two places a slot
        book_slot(app, full, accounts["provider_b"].id)
    html = text_of(page(published, booked))
    assert f'id="move-{full}"' not in html
    assert '<div class="move-cell move-full">' in html and "Full" in html


def test_slots_within_the_notice_are_shown_but_not_offered(app, booked, published):
    """As if it were 10:30 on the Sunday before: Monday 10:00 is within the 24 hours."""
    now = datetime.combine(on(0) - timedelta(days=1), time(10, 30), BOSTON).astimezone(UTC)
    with app.test_request_context():
        center = current_catalog().centers.get(CENTER_X)
        booking = db.session().get(BookingRow, booked)
        grid = move_grid(db.session(), center, booking, week=on(0), now=now)
    assert grid is not None
    monday = grid.columns[0]
    states = [cell.state for cell in monday.cells]
    assert states == [CURRENT, SOON, FREE]  # 09:00 is the booking's, 10:00 too soon, 11:00 free
    assert [text[:5] for text in grid.times] == ["09:00", "10:00", "11:00"]
    assert grid.previous_week is not None and grid.next_week is not None
    assert all(cell.state != NONE for column in grid.columns for cell in column.cells)


def test_a_bad_week_is_refused_in_words(booked, published):
    for bad in ("next", "2027-13-45", "2027-1-1", "9" * 40):
        response = page(published, booked, week=bad)
        assert response.status_code == 400
        assert "Weeks are written YYYY-MM-DD." in text_of(response)


def test_a_refused_move_shows_the_week_that_was_chosen(app, accounts, booked, published):
    later = on(7)
    full = slot_id_at(app, later, 10)
    for _ in range(2):
        book_slot(app, full, accounts["provider_b"].id)
    response = published.post(
        f"{BASE}/bookings/{booked}/reschedule",
        data={"csrf_token": csrf_token(published), "slot_id": str(full),
              "week": later.isoformat()},
    )  # fmt: skip
    assert response.status_code == 409
    html = text_of(response)
    assert "This slot is no longer free. Pick another one." in html
    assert f"Week of {later:%a} {later.day}" in html


def test_a_provider_moves_on_the_grid_of_another_week(app, accounts, booked, published):
    provider = signed_in_client(app, accounts["provider_a"])
    later = on(8)
    html = text_of(provider.get(f"/bookings/{booked}", query_string={"week": later.isoformat()}))
    target = slot_id_at(app, later, 11)
    assert f'id="move-{target}"' in html and 'name="week"' in html
    response = provider.post(
        f"/bookings/{booked}/reschedule",
        data={"csrf_token": csrf_token(provider), "slot_id": str(target)},
    )
    assert response.status_code == 303
    assert booking_row(app, booked).slot_id == target
    moved = text_of(provider.get(f"/bookings/{booked}"))
    assert "Consultation moved" in moved and 'id="move-current"' in moved


@pytest.mark.parametrize("door", ["staff", "provider"])
def test_the_grid_speaks_spanish(app, accounts, booked, published, door):
    client = published if door == "staff" else signed_in_client(app, accounts["provider_a"])
    path = f"{BASE}/bookings/{booked}" if door == "staff" else f"/bookings/{booked}"
    html = text_of(client.get(path, query_string={"lang": "es"}))
    for words in ("Hora actual", "Semana siguiente", "Elija una hora libre en la cuadrícula"):
        assert words in html
    assert "Current time" not in html
