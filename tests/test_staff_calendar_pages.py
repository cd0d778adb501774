"""The center staff's calendar pages on SQLite and PostgreSQL: hours, the week, closures, blocked
slots, the bookings to resolve, and each booking's cancel, outcome and move.

The app runs on the real clock, so the week under test is the Monday 8 to 14 days ahead in
Boston, with hours every day: its slots exist and lie beyond the 24 hours of notice.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from finder.booking import calendar
from finder.domain.availability import DAYS
from finder.domain.bookings import BookingRequest, Patient
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import AuditEventRow, BookingRow, CalendarRow, ClosureRow, SlotRow
from tests.accounts import CENTER_X, CENTER_Y, csrf_token, signed_in_client
from tests.bookings import book

BOSTON = ZoneInfo("America/New_York")
TODAY = datetime.now(BOSTON).date()
WEEK = TODAY + timedelta(days=7 - TODAY.weekday() + 7)  # the Monday 8 to 14 days ahead
PATIENT = "Alexandra Testpatient"
BASE = f"/staff/centers/{CENTER_X}"


def on(offset: int) -> date:
    """A day of the week under test: 0 is its Monday."""
    return WEEK + timedelta(days=offset)


def zone_at(day: date, hour: int = 9) -> str:
    """The Boston abbreviation (EST or EDT) on that day at that hour."""
    return datetime.combine(day, time(hour), BOSTON).tzname() or ""


def hours_form(token: str, **changes: str) -> dict[str, str]:
    """09:00-12:00 every day, hour-long slots for two patients each."""
    form = {
        "csrf_token": token,
        "slot_minutes": "60",
        "buffer_minutes": "0",
        "capacity": "2",
        "min_notice_hours": "24",
        "horizon_days": "28",
    }
    for day in DAYS:
        form[f"{day}-0-start"], form[f"{day}-0-end"] = "09:00", "12:00"
    form.update(changes)
    return form


def text_of(response) -> str:
    """The page's text, entities decoded, so that assertions read like the page."""
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def staff(app: Flask, accounts):
    return signed_in_client(app, accounts["staff_x"])


@pytest.fixture
def published(app: Flask, staff):
    """CENTER_X with hours published through the page."""
    response = staff.post(f"{BASE}/hours", data=hours_form(csrf_token(staff)))
    assert response.status_code == 303
    return staff


def slot_id_at(app: Flask, day: date, hour: int, center_id: str = CENTER_X) -> int:
    with app.app_context():
        center = current_catalog().centers.get(center_id)
        zone = ZoneInfo(center.timezone)
        for slot in calendar.week_slots(db.session(), center, day - timedelta(day.weekday())):
            local = slot.start_at.astimezone(zone)
            if local.date() == day and local.hour == hour:
                return slot.id
    raise AssertionError(f"no slot at {day} {hour}:00 at {center_id}")


def slot_row(app: Flask, slot_id: int) -> SlotRow:
    with app.app_context():
        slot = db.session().get(SlotRow, slot_id)
        assert slot is not None
        return slot


def booking_row(app: Flask, booking_id: int) -> BookingRow:
    with app.app_context():
        booking = db.session().get(BookingRow, booking_id)
        assert booking is not None
        return booking


def book_slot(app: Flask, slot_id: int, provider_id: int, name: str = PATIENT) -> int:
    request = BookingRequest(
        slot_id=slot_id,
        patient=Patient(name=name, birth_date=date(1958, 4, 2), email="alex@example.org"),
        indication="LBCL",
        product="yescarta",
        notes="Prefers mornings.",
    )
    with app.app_context():
        catalog = current_catalog()
        with db.transaction() as session:
            booked = book(
                session,
                request,
                provider_id=provider_id,
                centers=catalog.centers,
                products=catalog.products,
                now=datetime.now(UTC),
            )
            return booked.booking.id


def count(app: Flask, model, *conditions) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model).where(*conditions))


def audit_actions(app: Flask) -> list[tuple[str, str, str, str | None, str]]:
    with app.app_context():
        rows = db.session().scalars(select(AuditEventRow).order_by(AuditEventRow.id))
        return [(r.action, r.target_type, r.target_id, r.center_id, r.outcome) for r in rows]


# --- Hours --------------------------------------------------------------------------------


def test_the_hours_form_names_the_center_zone_and_the_limits(staff):
    response = staff.get(f"{BASE}/hours")
    page = text_of(response)
    assert response.status_code == 200
    assert "America/New_York" in page
    for limits in ("From 10 to 480.", "From 0 to 240.", "From 1 to 50.", "From 1 to 365."):
        assert limits in page
    assert page.count('type="time"') == 7 * 3 * 2  # three start/end pairs a day


def test_saved_hours_make_slots_shown_at_their_local_times_in_the_week_view(app, staff):
    response = staff.post(f"{BASE}/hours", data=hours_form(csrf_token(staff)))
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/calendar"
    assert "Slots added: " in text_of(staff.get(f"{BASE}/calendar"))  # the flash

    week = text_of(staff.get(f"{BASE}/calendar?week={WEEK.isoformat()}"))
    for offset in range(7):
        day = on(offset)
        for hour in (9, 10, 11):
            assert f"{hour:02d}:00–{hour + 1:02d}:00 {zone_at(day, hour)}" in week
            slot = slot_row(app, slot_id_at(app, day, hour))
            local = datetime.combine(day, time(hour), BOSTON)
            assert slot.start_at == local.astimezone(UTC)  # stored in UTC, shown local
    assert week.count("Booked 0 of 2") == 21
    assert ("calendar_hours_changed", "center", CENTER_X, CENTER_X, "ok") in audit_actions(app)


def test_the_hours_form_shows_the_published_hours_again(published):
    page = text_of(published.get(f"{BASE}/hours"))
    assert 'id="wed-0-start" name="wed-0-start" value="09:00"' in page
    assert 'id="wed-0-end" name="wed-0-end" value="12:00"' in page
    assert 'id="capacity" name="capacity"' in page and 'value="2"' in page


def test_a_day_may_have_several_ranges(app, staff):
    form = hours_form(csrf_token(staff), **{"mon-1-start": "14:00", "mon-1-end": "15:30"})
    assert staff.post(f"{BASE}/hours", data=form).status_code == 303
    week = text_of(staff.get(f"{BASE}/calendar?week={WEEK.isoformat()}"))
    assert f"14:00–15:00 {zone_at(on(0), 14)}" in week
    assert "15:00–16:00" not in week  # a slot must end by the range's end
    assert slot_id_at(app, on(0), 14)


def test_invalid_hours_name_each_field_keep_the_entries_and_change_nothing(app, staff):
    form = hours_form(
        csrf_token(staff),
        slot_minutes="5",
        capacity="two",
        horizon_days="",
        **{
            "mon-0-end": "08:00",
            "tue-1-start": "11:00",
            "tue-1-end": "13:00",
            "wed-0-end": "",
        },
    )
    response = staff.post(f"{BASE}/hours", data=form)
    page = text_of(response)
    assert response.status_code == 400
    assert "6 entries need a change" in page
    errors = dict(re.findall(r'<p class="field-error" id="([^"]+)-error">([^<]+)</p>', page))
    assert errors == {
        "mon-0": "The end must be later than the start.",
        "tue-1": "This range overlaps another range on the same day.",
        "wed-0": "Enter a time such as 09:00.",
        "slot_minutes": "Enter a whole number from 10 to 480.",
        "capacity": "Enter a whole number from 1 to 50.",
        "horizon_days": "Enter a whole number from 1 to 365.",
    }
    assert 'id="mon-0-end" name="mon-0-end" value="08:00" aria-invalid="true"' in page
    assert 'id="tue-1-start" name="tue-1-start" value="11:00"' in page
    assert 'value="two"' in page and 'value="5"' in page
    assert 'aria-describedby="capacity-hint capacity-error" aria-invalid="true"' in page
    assert count(app, CalendarRow) == 0
    assert count(app, SlotRow) == 0


def test_invalid_hours_leave_the_published_hours_and_slots_as_they_were(app, published):
    slots = count(app, SlotRow)
    response = published.post(
        f"{BASE}/hours", data=hours_form(csrf_token(published), buffer_minutes="-5")
    )
    assert response.status_code == 400
    assert count(app, SlotRow) == slots
    with app.app_context():
        assert db.session().get(CalendarRow, CENTER_X).capacity == 2


# --- The week -----------------------------------------------------------------------------


def test_the_week_view_defaults_to_this_week_and_links_the_weeks_around(published):
    page = text_of(published.get(f"{BASE}/calendar"))
    monday = TODAY - timedelta(days=TODAY.weekday())
    assert f"?week={(monday + timedelta(days=7)).isoformat()}" in page
    assert f"?week={(monday - timedelta(days=7)).isoformat()}" in page
    assert 'aria-current="page">This week' in page
    assert '<span class="tag">Today</span>' in page


def test_the_week_view_speaks_spanish_too(published):
    response = published.get(f"{BASE}/calendar?week={WEEK.isoformat()}&lang=es")
    assert response.status_code == 200
    assert 'lang="es"' in text_of(response)


def test_any_day_shows_its_week_from_monday(published):
    page = text_of(published.get(f"{BASE}/calendar?week={on(3).isoformat()}"))
    assert f'id="day-{WEEK.isoformat()}"' in page
    assert f'id="day-{on(6).isoformat()}"' in page
    assert f'id="day-{on(7).isoformat()}"' not in page


@pytest.mark.parametrize("week", ["next-week", "2027-02-30", "20270301", "1999-12-27"])
def test_a_malformed_week_is_a_400_that_says_how_to_write_it(staff, week):
    response = staff.get(f"{BASE}/calendar?week={week}")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in text_of(response)


def test_the_week_lists_each_booking_under_its_slot_with_the_practice_and_status(
    app, accounts, published
):
    slot_id = slot_id_at(app, on(1), 10)
    booking_id = book_slot(app, slot_id, accounts["provider_a"].id)
    page = text_of(published.get(f"{BASE}/calendar?week={WEEK.isoformat()}"))
    item = page.split(f'id="slot-{slot_id}"', 1)[1].split('id="slot-', 1)[0]
    assert "Booked 1 of 2" in item
    assert f'href="{BASE}/bookings/{booking_id}">{PATIENT}</a>' in item
    assert "Cape Cod Oncology" in item and ">Booked</span>" in item


# --- Blocking -----------------------------------------------------------------------------


def test_staff_block_a_slot_with_a_reason_and_unblock_it(app, published):
    slot_id = slot_id_at(app, on(2), 10)
    token = csrf_token(published)
    response = published.post(
        f"{BASE}/slots/{slot_id}/block",
        data={"csrf_token": token, "blocked": "1", "reason": "Coordinator away"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == (
        f"{BASE}/calendar?week={WEEK.isoformat()}#slot-{slot_id}"
    )
    assert (slot_row(app, slot_id).blocked, slot_row(app, slot_id).block_reason) == (
        True,
        "Coordinator away",
    )
    page = text_of(published.get(response.headers["Location"]))
    assert f"Slot blocked: {on(2):%a} {on(2).day} {on(2):%b}, 10:00 {zone_at(on(2))}." in page
    item = page.split(f'id="slot-{slot_id}"', 1)[1].split('id="slot-', 1)[0]
    assert "Blocked: Coordinator away" in item and ">Unblock<" in item

    response = published.post(
        f"{BASE}/slots/{slot_id}/block", data={"csrf_token": token, "blocked": "0"}
    )
    assert response.status_code == 303
    assert (slot_row(app, slot_id).blocked, slot_row(app, slot_id).block_reason) == (False, "")
    actions = [a[0] for a in audit_actions(app)]
    assert actions[-2:] == ["slot_blocked", "slot_unblocked"]


def test_a_block_needs_a_clear_choice_a_short_reason_and_a_slot_of_this_center(
    app, accounts, published
):
    staff_y = signed_in_client(app, accounts["staff_y"])
    staff_y.post(f"/staff/centers/{CENTER_Y}/hours", data=hours_form(csrf_token(staff_y)))
    token = csrf_token(published)
    slot_id = slot_id_at(app, on(2), 10)
    other = slot_id_at(app, on(2), 10, CENTER_Y)
    path = f"{BASE}/slots/{slot_id}/block"
    assert published.post(path, data={"csrf_token": token, "blocked": "yes"}).status_code == 400
    long = {"csrf_token": token, "blocked": "1", "reason": "x" * 201}
    assert published.post(path, data=long).status_code == 400
    other_path = f"{BASE}/slots/{other}/block"
    assert published.post(other_path, data={"csrf_token": token, "blocked": "1"}).status_code == 404
    assert not slot_row(app, slot_id).blocked and not slot_row(app, other).blocked


# --- Closures -----------------------------------------------------------------------------


def test_a_closure_withdraws_its_slots_and_removing_it_brings_them_back(app, published):
    token = csrf_token(published)
    response = published.post(
        f"{BASE}/closures",
        data={"csrf_token": token, "start": on(2).isoformat(), "reason": "Staff training"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/closures"
    page = text_of(published.get(f"{BASE}/closures"))
    assert "Closure added. 0 bookings fall on it." in page
    assert "Staff training" in page
    week = text_of(published.get(f"{BASE}/calendar?week={WEEK.isoformat()}"))
    wednesday = week.split(f'id="day-{on(2).isoformat()}"', 1)[1].split('class="day', 1)[0]
    assert "Closed: Staff training" in wednesday and "No slots" in wednesday

    with app.app_context():
        (closure_id,) = db.session().scalars(select(ClosureRow.id))
    response = published.post(f"{BASE}/closures/{closure_id}/delete", data={"csrf_token": token})
    assert response.status_code == 303
    assert "Closure removed. Slots open again: 3." in text_of(published.get(f"{BASE}/closures"))
    assert slot_id_at(app, on(2), 10)
    assert (
        published.post(
            f"{BASE}/closures/{closure_id}/delete", data={"csrf_token": token}
        ).status_code
        == 404
    )
    actions = [a[0] for a in audit_actions(app)]
    assert actions[-2:] == ["closure_added", "closure_removed"]


def test_a_closure_over_a_booking_says_so_and_lists_it_to_resolve(app, accounts, published):
    booking_id = book_slot(app, slot_id_at(app, on(4), 9), accounts["provider_a"].id)
    response = published.post(
        f"{BASE}/closures",
        data={
            "csrf_token": csrf_token(published),
            "start": on(3).isoformat(),
            "end": on(5).isoformat(),
            "reason": "Building works",
        },
        follow_redirects=True,
    )
    page = text_of(response)
    assert "Closure added. 1 booking falls on it." in page
    link = f'<a href="{BASE}/displaced">Move or cancel them</a>'
    assert link in response.get_data(as_text=True)  # a link, not escaped text
    assert f"{on(3):%a} {on(3).day} {on(3):%b} {on(3).year} – " in page  # the range

    displaced = text_of(published.get(f"{BASE}/displaced"))
    assert f'href="{BASE}/bookings/{booking_id}"' in displaced
    assert PATIENT in displaced
    assert "The center is closed that day: Building works" in displaced


def test_a_closure_needs_a_reason_and_an_end_not_before_its_start(app, published):
    response = published.post(
        f"{BASE}/closures",
        data={
            "csrf_token": csrf_token(published),
            "start": on(3).isoformat(),
            "end": on(1).isoformat(),
            "reason": " ",
        },
    )
    page = text_of(response)
    assert response.status_code == 400
    errors = dict(
        re.findall(r'<p class="field-error" id="closure-([^"]+)-error">([^<]+)</p>', page)
    )
    assert errors == {
        "end": "The last day must not be before the first day.",
        "reason": "Enter a reason.",
    }
    assert f'value="{on(3).isoformat()}"' in page
    assert count(app, ClosureRow) == 0


# --- Bookings to resolve ------------------------------------------------------------------


def test_narrowed_hours_list_the_booking_they_no_longer_hold(app, accounts, published):
    slot_id = slot_id_at(app, on(0), 11)
    booking_id = book_slot(app, slot_id, accounts["provider_a"].id)
    narrowed = {f"{day}-0-end": "11:00" for day in DAYS}
    response = published.post(
        f"{BASE}/hours", data=hours_form(csrf_token(published), **narrowed), follow_redirects=True
    )
    page = text_of(response)
    assert "1 booking no longer fits the calendar." in page
    link = f'<a href="{BASE}/displaced">Move or cancel them</a>'
    assert link in response.get_data(as_text=True)  # a link, not escaped text

    displaced = text_of(published.get(f"{BASE}/displaced"))
    assert "Outside the current consultation hours" in displaced
    assert f"{on(0).day} {on(0):%b}, 11:00 {zone_at(on(0), 11)}" in displaced
    assert f'href="{BASE}/bookings/{booking_id}"' in displaced
    assert "Referred by Cape Cod Oncology" in displaced

    week = text_of(published.get(f"{BASE}/calendar?week={WEEK.isoformat()}"))
    item = week.split(f'id="slot-{slot_id}"', 1)[1].split('id="slot-', 1)[0]
    assert "No longer offered" in item and PATIENT in item and "Block" not in item
    center = text_of(published.get(BASE))
    assert "1 booking no longer fits the calendar" in center


def test_moving_a_displaced_booking_to_a_free_slot_resolves_it(app, accounts, published):
    booking_id = book_slot(app, slot_id_at(app, on(0), 11), accounts["provider_a"].id)
    narrowed = {f"{day}-0-end": "11:00" for day in DAYS}
    published.post(f"{BASE}/hours", data=hours_form(csrf_token(published), **narrowed))
    target = slot_id_at(app, on(0), 10)
    response = published.post(
        f"{BASE}/bookings/{booking_id}/reschedule",
        data={"csrf_token": csrf_token(published), "slot_id": str(target)},
    )
    assert response.status_code == 303
    assert "Nothing to resolve" in text_of(published.get(f"{BASE}/displaced"))
    assert booking_row(app, booking_id).slot_id == target


def test_a_blocked_slot_with_a_booking_lists_it_with_the_reason(app, accounts, published):
    slot_id = slot_id_at(app, on(1), 9)
    book_slot(app, slot_id, accounts["provider_a"].id)
    published.post(
        f"{BASE}/slots/{slot_id}/block",
        data={"csrf_token": csrf_token(published), "blocked": "1", "reason": "Doctor ill"},
    )
    displaced = text_of(published.get(f"{BASE}/displaced"))
    assert "The slot is blocked: Doctor ill" in displaced


def test_nothing_to_resolve_says_so(published):
    page = text_of(published.get(f"{BASE}/displaced"))
    assert "Nothing to resolve" in page


# --- The center page ----------------------------------------------------------------------


def test_the_center_page_summarises_the_calendar(app, staff):
    page = text_of(staff.get(BASE))
    assert "Not published yet" in page
    assert f'href="{BASE}/calendar"' in page and f'href="{BASE}/hours"' in page
    staff.post(f"{BASE}/hours", data=hours_form(csrf_token(staff)))
    page = text_of(staff.get(BASE))
    assert "Published" in page
    assert re.search(r"Next free slot</dt>\s*<dd>\w{3} \d{1,2} \w{3}, \d\d:00 E[SD]T</dd>", page)


def test_staff_see_a_calendar_link_in_the_header_and_providers_do_not(app, accounts, staff):
    header = text_of(staff.get("/account")).split("</header>", 1)[0]
    assert f'<a href="{BASE}/calendar">Calendar</a>' in header
    provider = signed_in_client(app, accounts["provider_a"])
    assert ">Calendar</a>" not in text_of(provider.get("/account")).split("</header>", 1)[0]


# --- One booking --------------------------------------------------------------------------


@pytest.fixture
def booked(app, accounts, published) -> int:
    return book_slot(app, slot_id_at(app, on(0), 9), accounts["provider_a"].id)


def test_the_booking_page_shows_the_patient_and_local_time_and_audits_the_read(
    app, booked, published
):
    response = published.get(f"{BASE}/bookings/{booked}")
    page = text_of(response)
    assert response.status_code == 200
    assert f"Consultation on {on(0):%a} {on(0).day} {on(0):%b}, 09:00 {zone_at(on(0))}" in page
    for fact in (PATIENT, "April 2, 1958", "alex@example.org", "Cape Cod Oncology", "Yescarta"):
        assert fact in page
    assert "LBCL (" in page and "Prefers mornings." in page
    assert "Cancel the consultation" in page and "Move to another slot" in page
    assert "Record the outcome" not in page  # not before its time
    assert audit_actions(app)[-1] == ("booking_viewed", "booking", str(booked), CENTER_X, "ok")


def test_staff_cancel_a_booking_with_a_reason_and_the_slot_frees(app, booked, published):
    token = csrf_token(published)
    path = f"{BASE}/bookings/{booked}/cancel"
    refused = published.post(path, data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422
    assert "Enter a reason." in text_of(refused)
    assert booking_row(app, booked).status == "booked"

    response = published.post(path, data={"csrf_token": token, "reason": "Patient asked"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/bookings/{booked}"
    page = text_of(published.get(response.headers["Location"]))
    assert "The consultation is cancelled." in page
    assert "Patient asked" in page and "This booking can no longer be changed." in page
    booking = booking_row(app, booked)
    assert (booking.status, booking.status_reason) == ("cancelled", "Patient asked")
    assert slot_row(app, booking.slot_id).booked == 0

    again = published.post(path, data={"csrf_token": token, "reason": "Twice"})
    assert again.status_code == 409
    assert "This booking is already cancelled." in text_of(again)
    outcomes = [(a[0], a[4]) for a in audit_actions(app) if a[0] == "booking_cancelled"]
    assert outcomes == [
        ("booking_cancelled", "invalid_booking"),
        ("booking_cancelled", "ok"),
        ("booking_cancelled", "booking_not_changeable"),
    ]


def test_an_outcome_waits_for_the_consultation_time_then_is_recorded(app, booked, published):
    token = csrf_token(published)
    path = f"{BASE}/bookings/{booked}/outcome"
    early = published.post(path, data={"csrf_token": token, "status": "completed"})
    assert early.status_code == 409
    assert "once its time has come" in text_of(early)

    with app.app_context(), db.transaction() as session:  # the consultation was this morning
        started = datetime.now(UTC) - timedelta(hours=2)
        slot_id = session.get(BookingRow, booked).slot_id
        session.execute(
            update(SlotRow)
            .where(SlotRow.id == slot_id)
            .values(start_at=started, end_at=started + timedelta(hours=1))
        )
    page = text_of(published.get(f"{BASE}/bookings/{booked}"))
    assert "Record the outcome" in page and "Cancel the consultation" not in page
    assert published.post(path, data={"csrf_token": token, "status": "lost"}).status_code == 422
    response = published.post(path, data={"csrf_token": token, "status": "no_show"})
    assert response.status_code == 303
    assert "Recorded: No-show." in text_of(published.get(response.headers["Location"]))
    assert booking_row(app, booked).status == "no_show"
    late = published.post(
        f"{BASE}/bookings/{booked}/cancel", data={"csrf_token": token, "reason": "Too late"}
    )
    assert late.status_code == 409


def test_staff_move_a_booking_to_another_free_slot(app, accounts, booked, published):
    page = text_of(published.get(f"{BASE}/bookings/{booked}"))
    old = booking_row(app, booked).slot_id
    target = slot_id_at(app, on(1), 10)
    assert f'id="move-{target}"' in page
    assert f'id="move-{old}"' not in page  # not to where it is

    token = csrf_token(published)
    path = f"{BASE}/bookings/{booked}/reschedule"
    response = published.post(path, data={"csrf_token": token, "slot_id": str(target)})
    assert response.status_code == 303
    moved = text_of(published.get(response.headers["Location"]))
    assert f"Moved to {on(1):%a} {on(1).day} {on(1):%b}, 10:00 {zone_at(on(1), 10)}." in moved
    assert booking_row(app, booked).slot_id == target
    assert (slot_row(app, old).booked, slot_row(app, target).booked) == (0, 1)
    assert audit_actions(app)[-2][0] == "booking_rescheduled"


def test_a_move_to_a_blocked_junk_or_foreign_slot_is_refused_and_changes_nothing(
    app, accounts, booked, published
):
    staff_y = signed_in_client(app, accounts["staff_y"])
    staff_y.post(f"/staff/centers/{CENTER_Y}/hours", data=hours_form(csrf_token(staff_y)))
    token = csrf_token(published)
    blocked = slot_id_at(app, on(1), 11)
    published.post(f"{BASE}/slots/{blocked}/block", data={"csrf_token": token, "blocked": "1"})
    path = f"{BASE}/bookings/{booked}/reschedule"
    old = booking_row(app, booked).slot_id
    cases = {
        str(blocked): (409, "The center no longer offers this slot."),
        "ten": (422, "Choose one of the free slots listed."),
        str(slot_id_at(app, on(1), 11, CENTER_Y)): (422, "same center"),
    }
    for slot_id, (status, words) in cases.items():
        response = published.post(path, data={"csrf_token": token, "slot_id": slot_id})
        assert response.status_code == status, slot_id
        page = text_of(response)
        assert words in page and 'role="alert"' in page
        assert PATIENT in page  # the page again, with the booking
    assert booking_row(app, booked).slot_id == old
    assert slot_row(app, old).booked == 1


def test_audit_events_never_hold_patient_details(app, booked, published):
    token = csrf_token(published)
    published.get(f"{BASE}/bookings/{booked}")
    published.post(f"{BASE}/bookings/{booked}/cancel", data={"csrf_token": token, "reason": "x"})
    with app.app_context():
        for event in db.session().scalars(select(AuditEventRow)):
            stored = " ".join(
                str(v) for v in (event.action, event.target_type, event.target_id, event.outcome)
            )
            for detail in (PATIENT, "alex@example.org", "1958", "Prefers"):
                assert detail not in stored


# --- Who may ------------------------------------------------------------------------------


def test_staff_of_another_center_get_404_on_every_page_and_booking(app, accounts, booked):
    other = signed_in_client(app, accounts["staff_y"])
    for path in ("", "/hours", "/calendar", "/closures", "/displaced", f"/bookings/{booked}"):
        assert other.get(BASE + path).status_code == 404, path
    # Through their own center's address, the other center's booking is just as unknown.
    own = f"/staff/centers/{CENTER_Y}/bookings/{booked}"
    assert other.get(own).status_code == 404
    token = csrf_token(other)
    cancel = other.post(f"{own}/cancel", data={"csrf_token": token, "reason": "x"})
    assert cancel.status_code == 404
    assert booking_row(app, booked).status == "booked"


def test_providers_get_403_and_admins_get_in(app, accounts, booked):
    provider = signed_in_client(app, accounts["provider_a"])  # the one who made the booking
    for path in ("/hours", "/calendar", "/closures", "/displaced", f"/bookings/{booked}"):
        assert provider.get(BASE + path).status_code == 403, path
    admin = signed_in_client(app, accounts["admin"])
    for path in ("/hours", "/calendar", "/closures", "/displaced", f"/bookings/{booked}"):
        assert admin.get(BASE + path).status_code == 200, path


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(app, staff):
    form = hours_form("")
    del form["csrf_token"]
    response = staff.post(f"{BASE}/hours", data=form)
    assert response.status_code == 400
    assert "did not come from this site" in text_of(response)
    assert count(app, CalendarRow) == 0
    wrong = staff.post(f"{BASE}/closures", data={"csrf_token": "forged", "start": "2030-01-01"})
    assert wrong.status_code == 400
    assert count(app, ClosureRow) == 0
