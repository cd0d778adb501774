"""The provider's booking pages, server side: the next free day on the results, booking a slot
with a patient, every refusal as a 4xx page that books nothing, the bookings list, cancelling,
moving, the invite, and who may see what."""

import logging
import re
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask import Flask
from sqlalchemy import func, select

from finder.booking import calendar
from finder.domain.availability import parse_availability
from finder.extensions import current_catalog
from finder.storage import db
from finder.storage.models import AuditEventRow, BookingRow, HoldRow, SlotRow
from tests.accounts import CENTER_X, CENTER_Y, csrf_token, signed_in_client

PATIENT = "Zebulon Quartermain"
# Every day, round the clock but for the last hour, no notice: slots exist from now on.
HOURS = {
    "weekly": [
        {"day": day, "start": "00:00", "end": "23:00"}
        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    ],
    "slot_minutes": 60,
    "buffer_minutes": 0,
    "capacity": 1,
    "min_notice_hours": 0,
    "horizon_days": 14,
}
# Published as of two days ago, so slots that have already started exist too.
PUBLISHED_AGO = timedelta(days=2)


def publish(app: Flask, center_id: str) -> None:
    with app.app_context():
        center = current_catalog().centers.get(center_id)
        hours = parse_availability(HOURS, timezone=center.timezone)
        with db.transaction() as session:
            calendar.save_availability(
                session, center, hours, now=datetime.now(UTC) - PUBLISHED_AGO, by=None
            )


@pytest.fixture
def hours(app: Flask, accounts) -> None:
    publish(app, CENTER_X)
    publish(app, CENTER_Y)


@pytest.fixture
def provider(app: Flask, accounts):
    return signed_in_client(app, accounts["provider_a"])


def slots(app: Flask, center_id: str = CENTER_X, *, past: bool = False) -> list[SlotRow]:
    """The center's slots that start more than an hour from now (or began over an hour ago)."""
    now = datetime.now(UTC)
    with app.app_context():
        query = select(SlotRow).where(SlotRow.center_id == center_id).order_by(SlotRow.start_at)
        if past:
            query = query.where(SlotRow.start_at < now - timedelta(hours=1))
        else:
            query = query.where(SlotRow.start_at > now + timedelta(hours=1))
        return list(db.session().scalars(query))


def count(app: Flask, model=BookingRow) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


def booked_on(app: Flask, slot_id: int) -> int:
    with app.app_context():
        return db.session().get(SlotRow, slot_id).booked


def form(client, slot_id: int | str, **changes: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf_token(client),
        "idempotency_key": secrets.token_urlsafe(16),
        "slot_id": str(slot_id),
        "patient_name": PATIENT,
        "patient_birth_date": "1960-05-01",
        "patient_email": "zq@example.org",
        "patient_phone": "+1 617 555 0100",
        "indication": "LBCL",
        "product": "yescarta",
        "notes": "Two prior lines of therapy.",
        "week": "",
        "same_day_ok": "1",  # these tests book one patient many times a day on purpose
    }
    data.update(changes)
    return data


def local_text(instant: datetime, zone: str) -> str:
    """What the pages print: "Tue 16 Mar 2027, 09:00 EDT"."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"


def booking_id(response) -> int:
    match = re.fullmatch(r"/bookings/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def book(client, slot_id: int, **changes: str) -> int:
    response = client.post(f"/book/{CENTER_X}", data=form(client, slot_id, **changes))
    assert response.status_code == 303, response.get_data(as_text=True)
    return booking_id(response)


def center_item(html: str, center_id: str) -> str:
    return html.split(f'data-center-id="{center_id}"')[1].split("</li>")[0]


# Search results ---------------------------------------------------------------------------------


def test_results_show_the_next_free_day_and_the_book_link_only_to_providers(app, accounts, hours):
    with app.app_context():
        center = current_catalog().centers.get(CENTER_X)
        start = calendar.next_free(db.session(), [center], now=datetime.now(UTC))[CENTER_X]
    local = start.astimezone(ZoneInfo(center.timezone))
    day = f"Next free consultation: {local:%a} {local.day} {local:%b}"

    as_provider = center_item(
        signed_in_client(app, accounts["provider_a"]).get("/?near=02115").get_data(as_text=True),
        CENTER_X,
    )
    assert day in as_provider
    assert f'href="/book/{CENTER_X}">Book a consultation</a>' in as_provider

    anonymous = center_item(app.test_client().get("/?near=02115").get_data(as_text=True), CENTER_X)
    assert day in anonymous
    assert "Book a consultation" not in anonymous
    assert "Sign in to book" in anonymous and f"next=/book/{CENTER_X}" in anonymous.replace(
        "%2F", "/"
    )

    staff = signed_in_client(app, accounts["staff_x"]).get("/?near=02115").get_data(as_text=True)
    assert day in center_item(staff, CENTER_X)
    assert "/book/" not in staff


def test_a_center_without_hours_shows_no_next_free_day(app, accounts, hours):
    html = signed_in_client(app, accounts["provider_a"]).get("/?near=10065").get_data(as_text=True)
    assert "Next free consultation" not in center_item(html, "msk-new-york")
    assert "/book/msk-new-york" not in html


# Booking ---------------------------------------------------------------------------------------


def test_the_booking_page_lists_the_weeks_free_slots_as_radio_buttons_by_day(app, hours, provider):
    response = provider.get(f"/book/{CENTER_X}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first = slots(app)[0]
    assert f'name="slot_id" value="{first.id}"' in html
    assert "<legend>" in html and 'type="date"' in html
    assert 'name="idempotency_key"' in html
    assert "Next week" in html and "Previous week" not in html
    assert re.search(r"\(UTC[−+]0[45]:00, America/New_York\)", html)


def test_each_rendering_of_the_form_carries_a_fresh_idempotency_key(app, hours, provider):
    pattern = r'name="idempotency_key" value="([^"]+)"'
    keys = {re.search(pattern, provider.get(f"/book/{CENTER_X}").text)[1] for _ in range(2)}
    assert len(keys) == 2


def test_the_next_week_shows_that_weeks_slots_and_a_link_back(app, hours, provider):
    html = provider.get(f"/book/{CENTER_X}").get_data(as_text=True)
    next_week = re.search(r'name="go_week" value="([\d-]+)"', html)[1]
    later = provider.get(f"/book/{CENTER_X}?week={next_week}").get_data(as_text=True)
    assert "Previous week" in later
    assert f'value="{next_week}"' in later  # the week travels with the form


def test_a_malformed_week_is_a_400_page(app, hours, provider):
    response = provider.get(f"/book/{CENTER_X}?week=next-tuesday")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31"])
def test_a_week_long_past_or_far_ahead_shows_a_week_that_can_be_shown(app, hours, provider, week):
    response = provider.get(f"/book/{CENTER_X}?week={week}")
    assert response.status_code == 200


def test_a_center_without_hours_says_so_and_offers_no_form(app, hours, provider):
    response = provider.get("/book/msk-new-york")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "has not published consultation hours" in html
    assert 'name="slot_id"' not in html


def test_an_unknown_center_is_an_html_404(app, hours, provider):
    response = provider.get("/book/no-such-center")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_the_provider_chooses_a_time_zone_and_sees_both_times(app, hours, provider):
    slot = slots(app)[0]
    html = provider.get(f"/book/{CENTER_X}?tz=America/Los_Angeles").get_data(as_text=True)
    pacific = slot.start_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert f"{pacific:%H:%M} {pacific.tzname()} your time" in html
    assert '<option value="America/Los_Angeles" selected>' in html
    again = provider.get(f"/book/{CENTER_X}").get_data(as_text=True)  # remembered
    assert f"{pacific:%H:%M} {pacific.tzname()} your time" in again
    unknown = provider.get(f"/book/{CENTER_X}?tz=Mars/Olympus").get_data(as_text=True)
    assert '<option value="America/Los_Angeles" selected>' in unknown  # ignored


def test_booking_a_slot_leads_to_the_booking_page_with_the_patient_and_the_time(
    app, hours, provider
):
    slot = slots(app)[3]
    response = provider.post(f"/book/{CENTER_X}", data=form(provider, slot.id))
    assert response.status_code == 303
    found = booking_id(response)
    page = provider.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Consultation booked" in html and "calendar invite" in html
    assert PATIENT in html
    assert local_text(slot.start_at, "America/New_York") in html
    assert f'href="/bookings/{found}/invite.ics"' in html
    assert count(app) == 1 and booked_on(app, slot.id) == 1
    with app.app_context():
        events = db.session().scalars(select(AuditEventRow)).all()
    created = [e for e in events if e.action == "booking_created"]
    assert [(e.target_id, e.center_id) for e in created] == [(str(found), CENTER_X)]
    assert [e.action for e in events].count("booking_viewed") == 1


def test_opening_the_form_for_one_slot_holds_a_place_and_audits_the_hold(
    app, hours, accounts, provider
):
    slot = slots(app)[2]
    page = provider.get(f"/book/{CENTER_X}?slot={slot.id}")
    assert page.status_code == 200
    with app.app_context():
        held = db.session().scalars(select(HoldRow)).all()
        events = db.session().scalars(select(AuditEventRow)).all()
    assert [(h.slot_id, h.provider_id) for h in held] == [(slot.id, accounts["provider_a"].id)]
    assert [(e.target_id, e.center_id, e.actor_id) for e in events if e.action == "slot_held"] == [
        (str(slot.id), CENTER_X, accounts["provider_a"].id)
    ]


def test_the_requests_unit_of_work_in_a_session_of_its_own_has_the_event_handlers(app, accounts):
    from finder.web.commands import unit_of_work
    from finder.wiring import HANDLERS

    with app.test_request_context("/"), db.bookkeeping() as session:
        uow = unit_of_work(session)
        assert uow.session is session and uow.handlers == HANDLERS
        uow.audit("slot_held", target_type="slot", target_id="1", center_id=CENTER_X)
        assert [e.action for e in session.new if isinstance(e, AuditEventRow)] == ["slot_held"]
        assert unit_of_work().session is db.session() is not session


def test_a_double_submit_of_one_form_makes_one_booking(app, hours, provider):
    slot = slots(app)[0]
    data = form(provider, slot.id)
    first = provider.post(f"/book/{CENTER_X}", data=data)
    second = provider.post(f"/book/{CENTER_X}", data=data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(app) == 1 and booked_on(app, slot.id) == 1


def test_a_used_form_sent_again_with_other_details_books_nothing(app, hours, provider):
    first, other = slots(app)[:2]
    data = form(provider, first.id)
    assert provider.post(f"/book/{CENTER_X}", data=data).status_code == 303
    response = provider.post(f"/book/{CENTER_X}", data={**data, "slot_id": str(other.id)})
    assert response.status_code == 422
    assert "already used" in response.get_data(as_text=True)
    assert count(app) == 1 and booked_on(app, other.id) == 0


def test_an_admin_may_book_too(app, hours, accounts):
    admin = signed_in_client(app, accounts["admin"])
    assert admin.get(f"/book/{CENTER_X}").status_code == 200
    assert admin.post(f"/book/{CENTER_X}", data=form(admin, slots(app)[0].id)).status_code == 303


BAD_FIELDS = {
    "missing name": ({"patient_name": "  "}, 400, "patient_name", "Enter the patient's name."),
    "future birth date": (
        {"patient_birth_date": "2999-01-01"},
        400,
        "patient_birth_date",
        "cannot be in the future",
    ),
    "malformed birth date": (
        {"patient_birth_date": "01/05/1960"},
        400,
        "patient_birth_date",
        "for example 1960-05-01",
    ),
    "bad email": ({"patient_email": "not-an-email"}, 400, "patient_email", "valid email"),
    "unknown product": ({"product": "nope"}, 400, "product", "Choose a product from the list"),
    "unknown indication": ({"indication": "XYZ"}, 400, "indication", "Choose a disease"),
    "no slot chosen": ({"slot_id": ""}, 400, "slot_id", "Choose a consultation time."),
    "a slot id too large for the database": (
        {"slot_id": "99999999999999999999"},
        400,
        "slot_id",
        "Choose a consultation time.",
    ),
    "a product the center does not give": (
        {"product": "aucatzyl"},
        422,
        "product",
        "not authorized to give this product",
    ),
    "an unknown slot": ({"slot_id": "999999"}, 422, "slot_id", "no longer offered"),
    "notes too long": ({"notes": "x" * 2001}, 400, "notes", "at most 2000 characters"),
}


@pytest.mark.parametrize("case", list(BAD_FIELDS))
def test_bad_input_is_a_4xx_page_naming_the_field_that_keeps_the_entries_and_books_nothing(
    app, hours, provider, case
):
    changes, status, field, words = BAD_FIELDS[case]
    slot = slots(app)[0]
    data = {**form(provider, slot.id), **changes}
    response = provider.post(f"/book/{CENTER_X}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert 'role="alert"' in html
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert error and words in error[1].replace("&#39;", "'"), html
    if field != "slot_id":
        assert re.search(rf'aria-describedby="[^"]*{field}-error"', html)
        assert 'aria-invalid="true"' in html
    for name in ("patient_email", "patient_phone", "notes"):
        if name not in changes and data[name]:
            assert data[name] in html  # what was entered stays in the form
    assert count(app) == 0 and booked_on(app, slot.id) == 0


def test_a_slot_of_another_center_is_refused_with_a_422(app, hours, provider):
    other = slots(app, CENTER_Y)[0]
    response = provider.post(f"/book/{CENTER_X}", data=form(provider, other.id))
    assert response.status_code == 422
    assert "That slot belongs to another center" in response.get_data(as_text=True)
    assert count(app) == 0 and booked_on(app, other.id) == 0


def test_a_taken_slot_is_a_409_asking_for_another_slot(app, hours, accounts, provider):
    slot = slots(app)[0]
    other = signed_in_client(app, accounts["provider_b"])
    book(other, slot.id)
    response = provider.post(f"/book/{CENTER_X}", data=form(provider, slot.id))
    assert response.status_code == 409
    assert "pick another slot" in response.get_data(as_text=True)
    assert count(app) == 1 and booked_on(app, slot.id) == 1


def test_a_slot_that_has_already_started_is_refused(app, hours, provider):
    slot = slots(app, past=True)[-1]
    response = provider.post(f"/book/{CENTER_X}", data=form(provider, slot.id))
    assert response.status_code == 422
    assert "already passed" in response.get_data(as_text=True)
    assert count(app) == 0 and booked_on(app, slot.id) == 0


def test_a_form_without_its_csrf_token_is_refused(app, hours, provider):
    data = form(provider, slots(app)[0].id)
    del data["csrf_token"]
    assert provider.post(f"/book/{CENTER_X}", data=data).status_code == 400
    assert count(app) == 0


def test_staff_may_not_book_nor_list_bookings(app, hours, accounts):
    staff = signed_in_client(app, accounts["staff_x"])
    assert staff.get(f"/book/{CENTER_X}").status_code == 403
    assert staff.post(f"/book/{CENTER_X}", data=form(staff, slots(app)[0].id)).status_code == 403
    assert staff.get("/bookings").status_code == 403
    assert count(app) == 0


def test_signed_out_visitors_are_sent_to_sign_in(app, hours):
    response = app.test_client().get(f"/book/{CENTER_X}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next=/book/{CENTER_X}"


# My bookings, cancelling and moving --------------------------------------------------------------


def test_my_bookings_lists_upcoming_ones_first_then_past_ones_with_their_status(
    app, hours, accounts, provider
):
    later, sooner = slots(app)[5], slots(app)[1]
    cancelled = book(provider, later.id)
    kept = book(provider, sooner.id)
    assert (
        provider.post(
            f"/bookings/{cancelled}/cancel", data={"csrf_token": csrf_token(provider)}
        ).status_code
        == 303
    )
    past = _a_past_booking(app, accounts["provider_a"].id)
    book(signed_in_client(app, accounts["provider_b"]), slots(app)[2].id)  # not theirs

    html = provider.get("/bookings").get_data(as_text=True)
    order = [int(n) for n in re.findall(r'href="/bookings/(\d+)"', html)]
    assert order == [kept, cancelled, past]  # a cancelled one is not upcoming
    assert html.index("Upcoming") < html.index(f"/bookings/{kept}") < html.index("Past and")
    assert html.index("Past and") < html.index(f"/bookings/{cancelled}")
    assert html.index("Past and") < html.index(f"/bookings/{past}")
    assert "Cancelled" in html and "Booked" in html


def _a_past_booking(app: Flask, provider_id: int) -> int:
    """A booking made three days ago for a slot that took place yesterday."""
    from finder.domain.bookings import BookingRequest, Patient
    from tests.bookings import book as book_slot

    slot = slots(app, past=True)[-1]
    with app.app_context(), db.transaction() as session:
        catalog = current_catalog()
        made = book_slot(
            session,
            BookingRequest(
                slot_id=slot.id,
                patient=Patient(name="Past Patient", birth_date=datetime(1950, 1, 1).date()),
                indication="LBCL",
                product=None,
                notes="",
            ),
            provider_id=provider_id,
            centers=catalog.centers,
            products=catalog.products,
            now=slot.start_at - timedelta(hours=1),
        )
        return made.booking.id


def test_cancelling_frees_the_slot_and_keeps_the_booking_as_cancelled(app, hours, provider):
    slot = slots(app)[0]
    found = book(provider, slot.id)
    response = provider.post(
        f"/bookings/{found}/cancel",
        data={"csrf_token": csrf_token(provider), "reason": "Patient chose another center"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/bookings/{found}"
    html = provider.get(f"/bookings/{found}").get_data(as_text=True)
    assert "Consultation cancelled" in html and "Cancelled" in html
    assert "Patient chose another center" in html
    assert "Cancel the consultation" not in html  # nothing left to change
    assert booked_on(app, slot.id) == 0
    again = provider.post(f"/bookings/{found}/cancel", data={"csrf_token": csrf_token(provider)})
    assert again.status_code == 409


def test_a_cancellation_reason_of_two_lines_is_refused(app, hours, provider):
    slot = slots(app)[0]
    found = book(provider, slot.id)
    response = provider.post(
        f"/bookings/{found}/cancel",
        data={"csrf_token": csrf_token(provider), "reason": "one\ntwo"},
    )
    assert response.status_code == 400
    assert booked_on(app, slot.id) == 1


def test_moving_a_booking_takes_the_new_slot_and_frees_the_old_one(app, hours, provider):
    old, new = slots(app)[0], slots(app)[4]
    found = book(provider, old.id)
    page = provider.get(f"/bookings/{found}").get_data(as_text=True)
    assert f'id="move-{new.id}"' in page and f'id="move-{old.id}"' not in page
    response = provider.post(
        f"/bookings/{found}/reschedule",
        data={"csrf_token": csrf_token(provider), "slot_id": str(new.id)},
    )
    assert response.status_code == 303
    html = provider.get(f"/bookings/{found}").get_data(as_text=True)
    assert "Consultation moved" in html
    assert local_text(new.start_at, "America/New_York") in html
    assert (booked_on(app, old.id), booked_on(app, new.id)) == (0, 1)


@pytest.mark.parametrize(
    ("target", "status"),
    [("taken", 409), ("other center", 422), ("unknown", 422), ("none", 400), ("past", 422)],
)
def test_moving_to_a_slot_that_cannot_be_had_is_refused(
    app, hours, accounts, provider, target, status
):
    old = slots(app)[0]
    found = book(provider, old.id)
    taken = slots(app)[1]
    book(signed_in_client(app, accounts["provider_b"]), taken.id)
    slot_id = {
        "taken": str(taken.id),
        "other center": str(slots(app, CENTER_Y)[0].id),
        "unknown": "999999",
        "none": "",
        "past": str(slots(app, past=True)[-1].id),
    }[target]
    data = {"csrf_token": csrf_token(provider), "slot_id": slot_id}
    response = provider.post(f"/bookings/{found}/reschedule", data=data)
    assert response.status_code == status
    assert 'role="alert"' in response.get_data(as_text=True)
    assert booked_on(app, old.id) == 1


def test_another_provider_gets_404_on_the_booking_its_invite_and_its_changes(
    app, hours, accounts, provider
):
    slot = slots(app)[0]
    found = book(provider, slot.id)
    other = signed_in_client(app, accounts["provider_b"])
    assert other.get(f"/bookings/{found}").status_code == 404
    assert other.get(f"/bookings/{found}/invite.ics").status_code == 404
    token = csrf_token(other)
    assert other.post(f"/bookings/{found}/cancel", data={"csrf_token": token}).status_code == 404
    moved = other.post(
        f"/bookings/{found}/reschedule", data={"csrf_token": token, "slot_id": str(slot.id)}
    )
    assert moved.status_code == 404
    assert PATIENT not in other.get("/bookings").get_data(as_text=True)
    assert booked_on(app, slot.id) == 1


def test_a_booking_id_too_large_for_the_database_is_a_404(app, hours, provider):
    assert provider.get("/bookings/99999999999999999999").status_code == 404


def test_the_invite_parses_with_the_slot_start_and_no_patient(app, hours, provider):
    slot = slots(app)[2]
    found = book(provider, slot.id)
    response = provider.get(f"/bookings/{found}/invite.ics")
    assert response.status_code == 200
    # A downloaded copy is PUBLISHed, with the provider as its attendee
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8; method=PUBLISH"
    assert (
        response.headers["Content-Disposition"] == f"attachment; filename=consultation-{found}.ics"
    )
    body = response.get_data()
    assert PATIENT.encode() not in body and b"1960" not in body
    calendar_ = icalendar.Calendar.from_ical(body)
    assert calendar_["METHOD"] == "PUBLISH"
    (event,) = calendar_.walk("VEVENT")
    assert str(event["ATTENDEE"]) == "mailto:provider.a@example.org"
    start = event.decoded("dtstart")
    assert start == slot.start_at
    assert str(start.tzinfo) in ("America/New_York", "UTC")
    with app.app_context():
        actions = db.session().scalars(select(AuditEventRow.action)).all()
    assert "booking_invite_downloaded" in actions


def test_the_patient_name_is_never_logged_nor_put_in_a_url(app, hours, provider, caplog):
    caplog.set_level(logging.DEBUG)
    slot, other = slots(app)[0], slots(app, CENTER_Y)[0]
    responses = [
        provider.post(f"/book/{CENTER_X}", data=form(provider, slot.id)),
        provider.post(f"/book/{CENTER_X}", data=form(provider, slot.id)),  # taken: 409
        provider.post(f"/book/{CENTER_X}", data=form(provider, other.id)),  # 422
        provider.post(f"/book/{CENTER_X}", data=form(provider, "", patient_birth_date="x")),
    ]
    found = booking_id(responses[0])
    responses += [
        provider.get(f"/bookings/{found}"),
        provider.get(f"/bookings/{found}/invite.ics"),
        provider.post(f"/bookings/{found}/cancel", data={"csrf_token": csrf_token(provider)}),
    ]
    assert [r.status_code for r in responses] == [303, 409, 422, 400, 200, 200, 303]
    for response in responses:
        assert PATIENT not in response.headers.get("Location", "")
        assert "Zebulon" not in response.headers.get("Location", "")
    assert "Zebulon" not in caplog.text
    with app.app_context():
        for event in db.session().scalars(select(AuditEventRow)):
            assert "Zebulon" not in " ".join(str(v) for v in vars(event).values())


def test_the_booking_pages_render_in_spanish(app, hours, provider):
    slot = slots(app)[0]
    assert provider.get(f"/book/{CENTER_X}?lang=es").status_code == 200
    refused = provider.post(
        f"/book/{CENTER_X}?lang=es", data={**form(provider, slot.id), "patient_name": ""}
    )
    assert refused.status_code == 400
    assert f'href="/book/{CENTER_X}?lang=en"' in refused.get_data(as_text=True)
    found = book(provider, slot.id)
    assert provider.get(f"/bookings/{found}?lang=es").status_code == 200
    assert provider.get("/bookings?lang=es").status_code == 200
