"""Reminder settings on SQLite and PostgreSQL: each center's reminder times (API and hours page)
and the zones the provider and the patient read times in (API and booking page)."""

import re
import secrets
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import func, select

from finder.booking import calendar
from finder.domain.availability import DAYS, parse_availability
from finder.domain.reminders import (
    CONFIRMATION,
    REMINDER,
    InvalidReminderHours,
    parse_reminder_hours_text,
)
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import BookingRow, CalendarRow, ReminderRow, SlotRow
from tests.accounts import CENTER_X, bearer_token, csrf_token, signed_in_client

HOURS = {
    "weekly": [{"day": day, "start": "08:00", "end": "18:00"} for day in DAYS],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 1,
    "min_notice_hours": 0,
    "horizon_days": 14,
}
PATIENT = {
    "name": "Robin Testpatient",
    "birth_date": "1961-07-04",
    "email": "robin@example.org",
    "phone": "+1 617 555 0199",
}
AVAILABILITY = f"/centers/{CENTER_X}/availability"
HOURS_PAGE = f"/staff/centers/{CENTER_X}/hours"


class Api:
    def __init__(self, app: Flask, token: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str):
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def put(self, path: str, body):
        return self.client.put(f"/api/v1{path}", json=body, headers=self.headers)

    def post(self, path: str, body):
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers)


@pytest.fixture
def api(app: Flask, accounts) -> dict[str, Api]:
    return {
        key: Api(app, bearer_token(app, accounts[key].email)) for key in ("staff_x", "provider_a")
    }


def publish(api: dict[str, Api], **changes) -> dict:
    response = api["staff_x"].put(AVAILABILITY, {**HOURS, **changes})
    assert response.status_code == 200, response.json
    return response.json


def later_slot(app: Flask, days: int = 4) -> int:
    """A free slot of CENTER_X at least `days` days ahead, so every reminder is still to come."""
    with app.app_context():
        slot_id = db.session().scalar(
            select(SlotRow.id)
            .where(
                SlotRow.center_id == CENTER_X,
                SlotRow.start_at > datetime.now(UTC) + timedelta(days=days),
                SlotRow.booked == 0,
            )
            .order_by(SlotRow.start_at)
        )
    assert slot_id is not None
    return slot_id


def booking_body(slot_id: int, **changes) -> dict:
    return {"slot_id": slot_id, "patient": dict(PATIENT), "indication": "LBCL", **changes}


def messages(app: Flask, booking_id: int) -> list[tuple[str, str, int | None]]:
    """The booking's reminder rows as (kind, recipient, hours before)."""
    with app.app_context():
        rows = db.session().scalars(
            select(ReminderRow).where(ReminderRow.booking_id == booking_id).order_by(ReminderRow.id)
        )
        return sorted((row.kind, row.recipient, row.hours_before) for row in rows)


def stored_hours(app: Flask) -> list[int] | None:
    with app.app_context():
        row = db.session().get(CalendarRow, CENTER_X)
        return None if row is None else list(row.reminder_hours)


def booking_row(app: Flask, booking_id: int) -> BookingRow:
    with app.app_context():
        row = db.session().get(BookingRow, booking_id)
        assert row is not None
        return row


def count(app: Flask, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def field_errors(page: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([^"]+)-error">([^<]+)</p>', page))


# --- Reminder times in the API -------------------------------------------------------------


def test_a_new_calendar_has_reminders_3_days_and_1_day_before(app, api):
    assert publish(api)["reminder_hours"] == [72, 24]
    assert api["staff_x"].get(AVAILABILITY).json["reminder_hours"] == [72, 24]
    assert stored_hours(app) == [72, 24]
    booked = api["provider_a"].post("/bookings", booking_body(later_slot(app)))
    assert booked.status_code == 201, booked.json
    assert booked.json["provider_timezone"] == "" and booked.json["patient"]["timezone"] == ""
    timed = [m for m in messages(app, booked.json["id"]) if m[0] == REMINDER]
    assert sorted({hours for _, _, hours in timed}) == [24, 72]


def test_reminder_times_are_stored_and_a_new_booking_gets_them(app, api):
    publish(api)
    answer = publish(api, reminder_hours=[2, 48])
    assert answer["reminder_hours"] == [48, 2]  # largest first
    assert api["staff_x"].get(AVAILABILITY).json["reminder_hours"] == [48, 2]
    assert stored_hours(app) == [48, 2]
    booked = api["provider_a"].post("/bookings", booking_body(later_slot(app)))
    assert booked.status_code == 201, booked.json
    assert messages(app, booked.json["id"]) == [
        (CONFIRMATION, "patient", None),
        (CONFIRMATION, "provider", None),
        (REMINDER, "patient", 2),
        (REMINDER, "patient", 48),
        (REMINDER, "provider", 2),
        (REMINDER, "provider", 48),
    ]
    # A change of hours that leaves the reminder times out keeps them.
    assert publish(api, capacity=2)["reminder_hours"] == [48, 2]
    assert stored_hours(app) == [48, 2]


def test_changing_the_times_does_not_replan_existing_bookings(app, api):
    publish(api, reminder_hours=[48])
    booked = api["provider_a"].post("/bookings", booking_body(later_slot(app))).json
    publish(api, reminder_hours=[24])
    hours = {m[2] for m in messages(app, booked["id"]) if m[0] == REMINDER}
    assert hours == {48}


def test_no_timed_reminders_still_sends_the_confirmation(app, api):
    assert publish(api, reminder_hours=[])["reminder_hours"] == []
    assert api["staff_x"].get(AVAILABILITY).json["reminder_hours"] == []
    booked = api["provider_a"].post("/bookings", booking_body(later_slot(app)))
    assert booked.status_code == 201, booked.json
    assert messages(app, booked.json["id"]) == [
        (CONFIRMATION, "patient", None),
        (CONFIRMATION, "provider", None),
    ]


@pytest.mark.parametrize(
    "hours",
    [[0], [400], [337], [24, 24], [1, 2, 3, 4, 5], [-1]],
    ids=["zero", "400", "over-14-days", "twice", "five", "negative"],
)
def test_unusable_reminder_times_are_a_422_naming_the_field(app, api, hours):
    publish(api, reminder_hours=[48, 2])
    response = api["staff_x"].put(AVAILABILITY, {**HOURS, "capacity": 3, "reminder_hours": hours})
    assert response.status_code == 422, response.json
    assert response.json["error"] == "invalid_availability"
    assert "reminder_hours" in response.json["fields"]
    assert stored_hours(app) == [48, 2]
    assert api["staff_x"].get(AVAILABILITY).json["capacity"] == 1  # nothing changed


@pytest.mark.parametrize("value", [["24"], "72, 24", [1.5], None, [True], {"hours": 24}], ids=str)
def test_reminder_times_of_the_wrong_type_are_a_400(app, api, value):
    response = api["staff_x"].put(AVAILABILITY, {**HOURS, "reminder_hours": value})
    assert response.status_code == 400, response.json
    assert "reminder_hours" in " ".join(response.json.get("fields", {}))
    assert stored_hours(app) is None


def test_the_openapi_document_describes_the_reminder_times_and_zones(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert "reminder_hours" in schemas["Availability"]["properties"]
    assert "reminder_hours" in schemas["StoredAvailability"]["required"]
    assert "provider_timezone" in schemas["BookingRequest"]["properties"]
    assert "timezone" in schemas["BookingRequest"]["properties"]["patient"]["properties"]
    assert "provider_timezone" in schemas["Booking"]["properties"]


# --- Reminder times on the hours page -----------------------------------------------------


def hours_form(token: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "slot_minutes": "60",
        "buffer_minutes": "0",
        "capacity": "1",
        "min_notice_hours": "0",
        "horizon_days": "14",
    }
    for day in DAYS:
        form[f"{day}-0-start"], form[f"{day}-0-end"] = "08:00", "18:00"
    form.update(changes)
    return form


@pytest.fixture
def staff(app: Flask, accounts):
    return signed_in_client(app, accounts["staff_x"])


def test_the_hours_page_shows_and_saves_the_reminder_times(app, staff):
    page = text_of(staff.get(HOURS_PAGE))
    assert "Reminders, hours before the consultation" in page
    assert "Up to 4, from 1 to 336 hours; leave empty for none." in page
    assert 'id="reminder_hours" name="reminder_hours"' in page and 'value="72, 24"' in page

    saved = staff.post(HOURS_PAGE, data=hours_form(csrf_token(staff), reminder_hours="48, 2"))
    assert saved.status_code == 303
    assert stored_hours(app) == [48, 2]
    assert 'value="48, 2"' in text_of(staff.get(HOURS_PAGE))

    spaced = staff.post(HOURS_PAGE, data=hours_form(csrf_token(staff), reminder_hours=" 6 96,"))
    assert spaced.status_code == 303
    assert stored_hours(app) == [96, 6]

    # A form without the field (an older page) keeps the times; an empty one means none.
    assert staff.post(HOURS_PAGE, data=hours_form(csrf_token(staff))).status_code == 303
    assert stored_hours(app) == [96, 6]
    none = staff.post(HOURS_PAGE, data=hours_form(csrf_token(staff), reminder_hours=""))
    assert none.status_code == 303
    assert stored_hours(app) == []
    page = text_of(staff.get(HOURS_PAGE))
    assert 'id="reminder_hours" name="reminder_hours" maxlength="100" value=""' in page


@pytest.mark.parametrize("typed", ["0, 999", "24, 24", "1, 2, 3, 4, 5", "three days", "24h"])
def test_unusable_reminder_times_are_shown_beside_the_field(app, staff, typed):
    assert staff.post(HOURS_PAGE, data=hours_form(csrf_token(staff))).status_code == 303
    response = staff.post(
        HOURS_PAGE, data=hours_form(csrf_token(staff), capacity="3", reminder_hours=typed)
    )
    page = text_of(response)
    assert response.status_code == 400
    assert field_errors(page) == {
        "reminder_hours": "Enter up to 4 different whole numbers from 1 to 336, separated by "
        "commas, or leave it empty."
    }
    assert "1 entry needs a change" in page
    assert '<a href="#reminder_hours">Reminders, hours before the consultation:' in page
    assert f'value="{typed}"' in page  # kept as typed
    assert 'aria-describedby="reminder_hours-hint reminder_hours-error"' in page
    assert stored_hours(app) == [72, 24]
    with app.app_context():
        assert db.session().get(CalendarRow, CENTER_X).capacity == 1


def test_the_text_parser_reads_commas_and_spaces():
    assert parse_reminder_hours_text("72, 24") == (72, 24)
    assert parse_reminder_hours_text("1 336") == (336, 1)
    assert parse_reminder_hours_text("  ") == ()
    for bad in ("0", "337", "1,1", "1,2,3,4,5", "-1", "2.5", "١٢"):
        with pytest.raises(InvalidReminderHours):
            parse_reminder_hours_text(bad)


# --- Zones in the booking API ---------------------------------------------------------------


def test_a_booking_stores_and_echoes_the_provider_and_patient_zones(app, api):
    publish(api)
    body = booking_body(
        later_slot(app),
        provider_timezone="America/Chicago",
        patient={**PATIENT, "timezone": "Pacific/Honolulu"},
    )
    response = api["provider_a"].post("/bookings", body)
    assert response.status_code == 201, response.json
    assert response.json["provider_timezone"] == "America/Chicago"
    assert response.json["patient"]["timezone"] == "Pacific/Honolulu"
    row = booking_row(app, response.json["id"])
    assert (row.provider_timezone, row.patient_timezone) == ("America/Chicago", "Pacific/Honolulu")
    again = api["provider_a"].get(f"/bookings/{response.json['id']}").json
    assert again["provider_timezone"] == "America/Chicago"
    assert again["patient"]["timezone"] == "Pacific/Honolulu"


def test_an_empty_zone_means_the_centers(app, api):
    publish(api)
    body = booking_body(later_slot(app), provider_timezone="", patient={**PATIENT, "timezone": ""})
    response = api["provider_a"].post("/bookings", body)
    assert response.status_code == 201, response.json
    row = booking_row(app, response.json["id"])
    assert (row.provider_timezone, row.patient_timezone) == ("", "")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"provider_timezone": "Mars/Olympus"}, "provider_timezone"),
        ({"provider_timezone": "Eastern Time"}, "provider_timezone"),
        ({"provider_timezone": "../../etc/passwd"}, "provider_timezone"),
        ({"patient": {**PATIENT, "timezone": "America/Gotham"}}, "patient.timezone"),
        ({"patient": {**PATIENT, "timezone": "X" * 300}}, "patient.timezone"),
    ],
    ids=["provider-mars", "provider-words", "provider-path", "patient-gotham", "patient-long"],
)
def test_an_unknown_zone_is_a_422_and_books_nothing(app, api, changes, field):
    publish(api)
    response = api["provider_a"].post("/bookings", booking_body(later_slot(app), **changes))
    assert response.status_code == 422, response.json
    assert response.json["error"] == "invalid_booking"
    assert response.json["fields"] == {field: "unknown time zone"}
    assert count(app, BookingRow) == 0 and count(app, ReminderRow) == 0


@pytest.mark.parametrize(
    "changes",
    [{"provider_timezone": 5}, {"patient": {**PATIENT, "timezone": ["America/Chicago"]}}],
    ids=["provider-number", "patient-list"],
)
def test_a_zone_that_is_not_text_is_a_400(app, api, changes):
    publish(api)
    response = api["provider_a"].post("/bookings", booking_body(later_slot(app), **changes))
    assert response.status_code == 400, response.json
    assert count(app, BookingRow) == 0


# --- Zones on the booking page --------------------------------------------------------------


@pytest.fixture
def provider(app: Flask, accounts):
    with app.app_context():
        center = current_catalog().centers.get(CENTER_X)
        hours = parse_availability(HOURS, timezone=center.timezone)
        with db.transaction() as session:
            calendar.save_availability(session, center, hours, now=datetime.now(UTC), by=None)
    return signed_in_client(app, accounts["provider_a"])


def booking_form(client, slot_id: int, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(client),
        "idempotency_key": secrets.token_urlsafe(16),
        "slot_id": str(slot_id),
        "patient_name": PATIENT["name"],
        "patient_birth_date": PATIENT["birth_date"],
        "patient_email": PATIENT["email"],
        "patient_phone": PATIENT["phone"],
        "indication": "LBCL",
        "product": "",
        "notes": "",
        "week": "",
        **changes,
    }


def booked_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.fullmatch(r"/bookings/(\d+)", response.headers["Location"])
    assert match
    return int(match.group(1))


def test_the_patient_form_offers_the_patients_zone(app, provider):
    page = text_of(provider.get(f"/book/{CENTER_X}"))
    assert '<label for="patient_timezone">Patient\'s time zone' in page
    select_html = page.split('<select id="patient_timezone"')[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', select_html)
    assert options == [
        ("", "Same as the center"),
        ("America/New_York", "Eastern time (New York)"),
        ("America/Chicago", "Central time (Chicago)"),
        ("America/Denver", "Mountain time (Denver)"),
        ("America/Phoenix", "Arizona time (Phoenix)"),
        ("America/Los_Angeles", "Pacific time (Los Angeles)"),
        ("America/Anchorage", "Alaska time (Anchorage)"),
        ("Pacific/Honolulu", "Hawaii time (Honolulu)"),
        ("America/Puerto_Rico", "Atlantic time (Puerto Rico)"),
    ]
    assert '<option value="" selected>' in select_html


def test_the_booking_page_stores_the_chosen_zone_and_the_patients(app, provider):
    provider.get(f"/book/{CENTER_X}?tz=America/Los_Angeles")  # the provider chooses a zone
    response = provider.post(
        f"/book/{CENTER_X}",
        data=booking_form(provider, later_slot(app), patient_timezone="America/Phoenix"),
    )
    row = booking_row(app, booked_id(response))
    assert (row.provider_timezone, row.patient_timezone) == (
        "America/Los_Angeles",
        "America/Phoenix",
    )


def test_without_a_choice_both_zones_are_the_centers(app, provider):
    form = booking_form(provider, later_slot(app), patient_timezone="")  # "Same as the center"
    row = booking_row(app, booked_id(provider.post(f"/book/{CENTER_X}", data=form)))
    assert (row.provider_timezone, row.patient_timezone) == ("", "")
    # A form without the field (an older page) books as well (the same patient again that day:
    # the provider has said it is meant).
    form = {**booking_form(provider, later_slot(app)), "same_day_ok": "1"}
    response = provider.post(f"/book/{CENTER_X}", data=form)
    assert booking_row(app, booked_id(response)).patient_timezone == ""


def test_an_unknown_patient_zone_is_shown_beside_the_field(app, provider):
    response = provider.post(
        f"/book/{CENTER_X}",
        data=booking_form(provider, later_slot(app), patient_timezone="Mars/Olympus"),
    )
    page = text_of(response)
    assert response.status_code == 400
    assert field_errors(page) == {"patient_timezone": "Choose a time zone from the list."}
    assert 'aria-describedby="patient_timezone-hint patient_timezone-error"' in page
    assert count(app, BookingRow) == 0
