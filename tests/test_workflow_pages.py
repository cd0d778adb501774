"""A clinic's day without friction, server side: landing where the work is after sign-in,
centers by name, and the booking and referral forms that keep what was typed."""

import pytest
from flask import Flask

from tests.accounts import CENTER_X, CENTER_Y, add_account, signed_in_client
from tests.test_booking_pages import publish


@pytest.fixture
def hours(app: Flask, accounts) -> None:
    publish(app, CENTER_X)
    publish(app, CENTER_Y)


def text(response) -> str:
    return response.get_data(as_text=True)


def test_staff_of_several_centers_see_names_and_switch_between_them(app: Flask, accounts):
    both = add_account(app, "staff_both", role="staff", centers=[CENTER_Y, CENTER_X])
    client = signed_in_client(app, both)
    account = text(client.get("/account"))
    assert "Dana-Farber" in account and "MD Anderson" in account
    assert f">{CENTER_X}<" not in account and f">{CENTER_Y}<" not in account
    week = text(client.get(f"/staff/centers/{CENTER_X}/calendar"))
    assert 'aria-label="Your other centers"' in week
    assert f'href="/staff/centers/{CENTER_Y}/calendar">' in week
    assert "MD Anderson" in week.split('aria-label="Your other centers"')[1]


def test_staff_of_one_center_are_offered_no_switch(app: Flask, accounts):
    client = signed_in_client(app, accounts["staff_x"])
    assert "Your other centers" not in text(client.get(f"/staff/centers/{CENTER_X}/calendar"))


# One patient, one referral ----------------------------------------------------------------------


def test_names_match_as_people_write_them():
    from finder.domain.person_names import name_key, near_name, same_name

    assert name_key("  Ana  María   LÓPEZ-Díaz ") == "ana maria lopez diaz"
    assert same_name("O'Brien, Seán", "obrien sean") is False  # the apostrophe is a space
    assert same_name("O'Brien Seán", "o brien sean")
    assert same_name("Zoë Ågren", "ZOE AGREN")
    assert near_name("Ana López", "Ana María López")
    assert near_name("López Ana", "Ana López")
    assert not near_name("Ana López", "ana  lopez")  # the same, not near
    assert not near_name("Ana López", "Eva López")


def _referral_count(app: Flask) -> int:
    from sqlalchemy import func, select

    from finder.storage import db
    from finder.storage.models import ReferralRow

    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(ReferralRow)) or 0


def test_a_name_typed_differently_finds_the_open_referral(app: Flask, accounts):
    from tests.test_referral_pages import form, post, refer_by_form

    provider = signed_in_client(app, accounts["provider_a"])
    refer_by_form(provider, patient_name="Octavia Pérez-Lund")
    again = post(provider, "/referrals/new", form(patient_name="  octavia  perez lund"))
    assert again.status_code == 409
    assert "already has an open referral" in text(again)
    assert _referral_count(app) == 1


def test_a_near_name_is_asked_about_and_a_second_referral_needs_a_yes(app: Flask, accounts):
    from tests.test_referral_pages import form, post, refer_by_form

    provider = signed_in_client(app, accounts["provider_a"])
    first = refer_by_form(provider, patient_name="Octavia Lund")
    asked = post(provider, "/referrals/new", form(patient_name="Octavia Maren Lund"))
    assert asked.status_code == 409
    page = text(asked)
    assert f'href="/referrals/{first}"' in page and 'name="another_patient"' in page
    assert 'value="Octavia Maren Lund"' in page  # what was typed is kept
    assert _referral_count(app) == 1
    made = post(
        provider, "/referrals/new", form(patient_name="Octavia Maren Lund", another_patient="1")
    )
    assert made.status_code == 303
    assert _referral_count(app) == 2


def test_booking_from_a_referral_fills_in_its_patient_for_its_provider_only(
    app: Flask, accounts, hours
):
    from tests.test_referral_pages import refer_by_form

    provider = signed_in_client(app, accounts["provider_a"])
    referral_id = refer_by_form(provider, patient_name="Octavia Lund")
    timeline = text(provider.get(f"/referrals/{referral_id}"))
    assert f'href="/book/{CENTER_X}?referral={referral_id}"' in timeline
    page = text(provider.get(f"/book/{CENTER_X}?referral={referral_id}"))
    assert 'value="Octavia Lund"' in page and 'value="1961-04-12"' in page
    assert 'value="octavia@example.org"' in page
    other = signed_in_client(app, accounts["provider_b"])
    assert "Octavia" not in text(other.get(f"/book/{CENTER_X}?referral={referral_id}"))
    assert "Octavia" not in text(provider.get(f"/book/{CENTER_Y}?referral={referral_id}"))
    assert provider.get(f"/book/{CENTER_X}?referral=x").status_code == 200


def test_changing_the_zone_or_the_week_keeps_what_was_typed(app: Flask, accounts, hours):
    from tests.test_booking_pages import form as booking_form

    provider = signed_in_client(app, accounts["provider_a"])
    data = booking_form(provider, "", show_times="1", tz="America/Los_Angeles")
    response = provider.post(f"/book/{CENTER_X}", data=data)
    assert response.status_code == 200
    page = text(response)
    assert 'value="Zebulon Quartermain"' in page and "Two prior lines of therapy." in page
    assert 'value="America/Los_Angeles" selected' in page
    assert "your time" in page
    later = booking_form(provider, "", go_week="2999-01-01")
    assert 'value="Zebulon Quartermain"' in text(provider.post(f"/book/{CENTER_X}", data=later))


def test_a_second_consultation_the_same_day_is_asked_about_first(app: Flask, accounts, hours):
    from zoneinfo import ZoneInfo

    from tests.test_booking_pages import book, count, form, slots

    provider = signed_in_client(app, accounts["provider_a"])
    boston = ZoneInfo("America/New_York")
    by_day: dict = {}
    for slot in slots(app):
        by_day.setdefault(slot.start_at.astimezone(boston).date(), []).append(slot)
    first, second = next(day for day in by_day.values() if len(day) >= 2)[:2]
    book(provider, first.id, same_day_ok="")
    asked = provider.post(
        f"/book/{CENTER_X}",
        data=form(provider, second.id, patient_name="zebulon  QUARTERMAIN", same_day_ok=""),
    )
    assert asked.status_code == 409
    assert 'name="same_day_ok"' in text(asked)
    assert 'value="zebulon  QUARTERMAIN"' in text(asked)
    assert count(app) == 1
    booked = provider.post(f"/book/{CENTER_X}", data=form(provider, second.id, same_day_ok="1"))
    assert booked.status_code == 303
    assert count(app) == 2


# Nothing surprising -----------------------------------------------------------------------------


def test_cancelling_asks_first_and_says_who_reads_the_reason(app: Flask, accounts, hours):
    from tests.test_booking_pages import book, slots

    provider = signed_in_client(app, accounts["provider_a"])
    booking_id = book(provider, slots(app)[0].id)
    page = text(provider.get(f"/bookings/{booking_id}"))
    confirm = page.split('<details class="confirm-cancel">')[1].split("</details>")[0]
    assert "<summary>Cancel the consultation…</summary>" in confirm
    assert "never sent to the patient" in confirm and "Yes, cancel the consultation" in confirm
    staff = signed_in_client(app, accounts["staff_x"])
    staff_page = text(staff.get(f"/staff/centers/{CENTER_X}/bookings/{booking_id}"))
    assert '<details class="confirm-cancel">' in staff_page
    assert "the patient is never sent it" in staff_page
    new_referral = text(provider.get("/referrals/new"))
    assert "never sent to the patient" in new_referral


def test_a_booking_whose_hours_were_removed_needs_a_new_time_and_cancelled_ones_are_not_upcoming(
    app: Flask, accounts, hours
):
    from finder.storage import db
    from finder.storage.models import BookingRow
    from tests.accounts import csrf_token
    from tests.test_booking_pages import book, slots

    provider = signed_in_client(app, accounts["provider_a"])
    free = slots(app)
    displaced, cancelled = book(provider, free[2].id), book(provider, free[4].id)
    provider.post(f"/bookings/{cancelled}/cancel", data={"csrf_token": csrf_token(provider)})
    with app.app_context(), db.transaction() as session:
        session.get(BookingRow, displaced).slot.retired = True
    listing = text(provider.get("/bookings"))
    upcoming = listing.split('id="upcoming-heading"')[1].split('id="past-heading"')[0]
    assert f"/bookings/{displaced}" in upcoming and "Needs a new time" in upcoming
    assert f"/bookings/{cancelled}" not in upcoming
    page = text(provider.get(f"/bookings/{displaced}"))
    assert "Needs a new time" in page and "no longer offers this time" in page


# The scheduler's log ----------------------------------------------------------------------------


def test_the_scheduler_logs_what_it_did_not_that_it_woke(app: Flask, caplog):
    import logging
    import threading
    from datetime import timedelta

    from finder.reminders.scheduler import build

    app.config["SCHEDULER_POLL_SECONDS"] = 0.1
    process = build(app)
    process.poll = timedelta(seconds=0.1)
    caplog.set_level(logging.DEBUG, logger="apscheduler")
    caplog.set_level(logging.INFO, logger="finder")
    runner = threading.Thread(target=process.run)
    runner.start()
    threading.Event().wait(1.0)  # about ten polls
    process.stop.set()
    runner.join(10)
    assert not runner.is_alive()
    noisy = [r for r in caplog.records if r.name.startswith("apscheduler") and r.levelno < 30]
    assert noisy == []
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("finder")]
    assert lines[0].startswith("Scheduler started") and lines[-1] == "Scheduler stopped."
    assert len(lines) <= 3  # started, perhaps slots added, stopped: nothing per poll


def test_link_mails_carry_a_message_id_on_the_sites_domain(app: Flask):
    from datetime import timedelta

    from finder.accounts.link_mail import _link_mail

    app.config["PUBLIC_URL"] = "https://finder.clinic.example"
    with app.test_request_context():
        mail = _link_mail("ada@example.org", "https://x", "reset", timedelta(hours=1))
    assert mail.message_id and mail.message_id.endswith("@finder.clinic.example>")


# Calendars a coordinator trusts -----------------------------------------------------------------


def test_ranges_that_do_not_divide_into_slots_are_explained():
    from datetime import time

    from finder.domain.availability import leftovers, parse_availability

    hours = parse_availability(
        {
            "weekly": [
                {"day": "tue", "start": "13:00", "end": "14:30"},
                {"day": "wed", "start": "09:00", "end": "12:00"},
                {"day": "thu", "start": "09:00", "end": "09:45"},
            ],
            "slot_minutes": 60,
            "buffer_minutes": 0,
            "capacity": 1,
            "min_notice_hours": 0,
            "horizon_days": 14,
        },
        timezone="America/New_York",
    )
    found = [(item.hours.day, item.slots, item.minutes, item.last_end) for item in leftovers(hours)]
    assert found == [("tue", 1, 30, time(14)), ("thu", 0, 45, time(9))]


def test_the_hours_page_says_which_minutes_are_not_offered(app: Flask, accounts):
    from html import unescape

    from tests.accounts import csrf_token
    from tests.test_staff_calendar_pages import BASE, hours_form

    staff = signed_in_client(app, accounts["staff_x"])
    form = hours_form(csrf_token(staff), **{"tue-0-start": "13:00", "tue-0-end": "14:30"})
    saved = staff.post(f"{BASE}/hours", data=form, follow_redirects=True)
    said = unescape(text(saved))
    assert "Tuesday 13:00–14:30: 1 slot of 60 minutes ends at 14:00" in said
    assert "the last 30 minutes are not offered" in said
    again = unescape(text(staff.get(f"{BASE}/hours")))
    assert 'id="unused-minutes"' in again and "Tuesday 13:00–14:30" in again


def test_the_week_marks_slots_inside_the_notice_window(app: Flask, accounts):
    from tests.accounts import csrf_token
    from tests.test_staff_calendar_pages import BASE, hours_form

    staff = signed_in_client(app, accounts["staff_x"])
    every_hour = {f"{day}-0-{end}": value for day in ("mon", "tue", "wed", "thu", "fri", "sat",
                  "sun") for end, value in (("start", "00:00"), ("end", "23:00"))}  # fmt: skip
    form = hours_form(csrf_token(staff), min_notice_hours="48", **every_hour)
    assert staff.post(f"{BASE}/hours", data=form).status_code == 303
    week = text(staff.get(f"{BASE}/calendar"))
    assert "Within the 48-hour notice: providers can no longer book it" in week
    later = text(staff.get(f"{BASE}/calendar?week=2999-01-06"))
    assert "Within the 48-hour notice" not in later
    assert 'rel="prev"' in week  # and the week moves back as well as forward


# Choosing centers by name ------------------------------------------------------------------------


def test_an_admin_adds_and_removes_a_staff_members_centers_by_name(app: Flask, accounts):
    from tests.accounts import csrf_token

    admin = signed_in_client(app, accounts["admin"])
    path = f"/admin/users/{accounts['staff_x'].id}"
    page = text(admin.get(path))
    assert '<datalist id="center-names">' in page and 'list="center-names"' in page
    assert '<select id="centers"' not in page  # no 132-item multi-select
    assert f'value="{CENTER_X}" checked' in page
    typed = "  md anderson cancer center (houston, tx) "  # as typed: spaces, case
    form = {"csrf_token": csrf_token(admin), "role": "staff", "practice": "",
            "centers": CENTER_X, "add_center": typed}  # fmt: skip
    assert admin.post(path, data=form).status_code == 302
    page = text(admin.get(path))
    assert f'value="{CENTER_X}" checked' in page and f'value="{CENTER_Y}" checked' in page
    removed = {"csrf_token": csrf_token(admin), "role": "staff", "practice": "",
               "centers": CENTER_Y}  # fmt: skip
    assert admin.post(path, data=removed).status_code == 302
    assert f'value="{CENTER_X}" checked' not in text(admin.get(path))
    unknown = {**removed, "add_center": "Hospital of Nowhere"}
    refused = admin.post(path, data=unknown)
    assert refused.status_code == 400
    assert "No center is called “Hospital of Nowhere”" in text(refused)
