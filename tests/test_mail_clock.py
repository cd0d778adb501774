# ruff: noqa: F811 - the fixtures imported below are used by name
"""Mails to a provider or staff member write times in the recipient account's clock (12 or 24
hours), language and zone, as the pages do; the patient's copy keeps the booking's language and
that language's usual clock. Sent to a real SMTP server, on SQLite and PostgreSQL."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from finder.booking.use_cases import calendar as calendar_use_cases
from finder.domain.accounts import Actor, Role
from finder.domain.availability import parse_availability
from finder.extensions import current_catalog
from finder.referrals import use_cases as referral_use_cases
from finder.storage import db
from finder.storage.models import ReminderRow
from finder.wiring import unit_of_work
from tests.accounts import CENTER_X
from tests.bookings import reschedule
from tests.test_booking_pages import slots
from tests.test_booking_service import HOURS, NOW, do_book, request_for, slot_at
from tests.test_reminder_dispatch import TODAY, WEDNESDAY, Clock, dispatcher, mailing  # noqa: F401
from tests.test_staff_notices import body, choose, sent_to, staffed  # noqa: F401
from tests.test_waitlist import bearer, book, cancel, drain, join, people, site  # noqa: F401

TWELVE = {"en": "9:00 AM", "es": "9:00 a."}  # Spanish: "9:00 a. m."
TWENTY_FOUR = "09:00"
PACIFIC_TWELVE = {"en": "6:00 AM PST", "es": "6:00 a."}


def flat(message, subtype: str = "plain") -> str:
    """The part's words on one line, as the plain text wraps long sentences."""
    return " ".join(body(message, subtype).split())


def booked(provider, language: str = "en"):
    return do_book(request_for(slot_at(WEDNESDAY, 9).id, language=language), provider.id).booking


def to_provider(smtp, provider) -> list:
    return sent_to(smtp, provider.email)


def to_patient(smtp, provider) -> list:
    return [m for m in smtp.messages if m["To"] != provider.email]


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_provider_on_24_hours_reads_the_booking_in_24_hours(staffed, language):
    app, provider, _, _, smtp = staffed
    choose(provider.id, [], language=language, hour_cycle="24")
    booked(provider)
    dispatcher(app, Clock()).drain()
    (mine,) = to_provider(smtp, provider)
    assert f"{TWENTY_FOUR} EST" in mine["Subject"]
    assert TWELVE[language] not in mine["Subject"] + body(mine)
    assert f"{TWENTY_FOUR} EST" in body(mine) and f"{TWENTY_FOUR} EST" in body(mine, "html")
    if language == "es":
        assert mine["Subject"].startswith("Su consulta de CAR T está reservada")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_provider_on_12_hours_reads_the_booking_in_12_hours(staffed, language):
    app, provider, _, _, smtp = staffed
    choose(provider.id, [], language=language, hour_cycle="12")
    booked(provider, "es")  # the patient's language is not the provider's
    dispatcher(app, Clock()).drain()
    (mine,) = to_provider(smtp, provider)
    assert TWELVE[language] in mine["Subject"] and TWELVE[language] in body(mine)
    assert f"{TWENTY_FOUR} EST" not in body(mine)


def test_a_provider_s_zone_is_their_account_s(staffed):
    app, provider, _, _, smtp = staffed
    choose(provider.id, [], timezone="America/Los_Angeles", hour_cycle="12")
    booked(provider)
    dispatcher(app, Clock()).drain()
    (mine,) = to_provider(smtp, provider)
    assert mine["Subject"].endswith("Wed 13 Jan at 6:00 AM PST")
    assert "9:00 AM EST (center's time)" in body(mine)
    (theirs,) = to_patient(smtp, provider)
    assert theirs["Subject"].endswith("Wed 13 Jan at 9:00 AM EST")  # the center's zone


@pytest.mark.parametrize(("language", "usual"), [("en", "9:00 AM EST"), ("es", "9:00 EST")])
def test_the_patient_keeps_the_booking_s_language_and_its_usual_clock(staffed, language, usual):
    app, provider, _, _, smtp = staffed
    choose(provider.id, [], language="es" if language == "en" else "en", hour_cycle="24")
    booked(provider, language)
    dispatcher(app, Clock()).drain()
    (theirs,) = to_patient(smtp, provider)
    assert theirs["Subject"].endswith(usual), theirs["Subject"]
    assert ("Your CAR T" in theirs["Subject"]) == (language == "en")


@pytest.mark.parametrize(
    ("language", "cycle", "expected"),
    [
        ("en", "12", "6:00 AM PST"),
        ("en", "24", "06:00 PST"),
        ("es", "12", "6:00 a."),
        ("es", "24", "06:00 PST"),
        ("es", "", "6:00 PST"),  # Spanish's usual clock
    ],
)
def test_a_staff_notice_reads_in_the_staff_member_s_clock(staffed, language, cycle, expected):
    app, provider, staff, _, smtp = staffed
    choose(staff.id, ["moved"], language=language, hour_cycle=cycle,
           timezone="America/Los_Angeles")  # fmt: skip
    booking = booked(provider)
    with db.transaction() as session:
        reschedule(session, booking, slot_id=slot_at(WEDNESDAY, 10).id, now=NOW,
                   centers=current_catalog().centers)  # fmt: skip
    dispatcher(app, Clock()).drain()
    (message,) = sent_to(smtp, staff.email)
    moved = expected.replace("6:00", "7:00").replace("06:00", "07:00")
    assert moved in flat(message) and moved in flat(message, "html")


@pytest.mark.parametrize(("cycle", "expected"), [("12", "9:00 AM EST"), ("24", "09:00 EST")])
def test_the_digest_reads_in_the_staff_member_s_clock(staffed, cycle, expected):
    app, provider, staff, _, smtp = staffed
    choose(staff.id, ["booked"], digest=True, hour_cycle=cycle, timezone="America/New_York")
    booked(provider)
    clock = Clock()
    clock.now = NOW + timedelta(days=1)
    dispatcher(app, clock).drain()
    (message,) = sent_to(smtp, staff.email)
    assert expected in flat(message)


@pytest.mark.parametrize(
    ("language", "cycle", "expected"),
    [("en", "24", "09:00 EST"), ("en", "12", "9:00 AM EST"), ("es", "12", "9:00 a."),
     ("es", "24", "09:00 EST")],
)  # fmt: skip
def test_needs_a_new_time_reads_in_the_provider_s_clock(staffed, language, cycle, expected):
    app, provider, staff, _, smtp = staffed
    booking = booked(provider)
    dispatcher(app, Clock()).drain()
    choose(provider.id, [], language=language, hour_cycle=cycle)
    before = len(smtp.messages)
    center = current_catalog().centers.get(CENTER_X)
    afternoons = {**HOURS, "weekly": [{"day": "wed", "start": "13:00", "end": "16:00"}]}
    with db.transaction() as session:
        calendar_use_cases.change_hours(
            unit_of_work(session, now=NOW), Actor(staff.id, Role.STAFF, frozenset({CENTER_X})),
            center, parse_availability(afternoons, timezone=center.timezone),
        )  # fmt: skip
    dispatcher(app, Clock()).drain()
    (told,) = smtp.messages[before:]
    assert str(booking.id) in told["Subject"]
    assert expected in flat(told)


def test_a_stage_notice_is_in_the_provider_s_language(staffed):
    app, provider, staff, _, smtp = staffed
    choose(provider.id, [], language="es", hour_cycle="24")
    booking = booked(provider, "en")
    with db.transaction() as session:
        session.execute(update(ReminderRow).values(status="sent"))
        entry = referral_use_cases.StageEntry("consultation", at=TODAY, note="")
        referral_use_cases.record_stage(
            unit_of_work(session, now=NOW), Actor(staff.id, Role.STAFF, frozenset({CENTER_X})),
            booking.referral_id, entry, catalog=current_catalog(),
        )  # fmt: skip
    dispatcher(app, Clock()).drain()
    (message,) = sent_to(smtp, provider.email)
    assert message["Subject"].startswith(f"Remisión {booking.referral_id}")
    assert "lunes" in body(message)


def test_clock_words_never_mix_the_two_clocks(staffed):
    """A 24-hour reader is never shown AM/PM anywhere in the mail."""
    app, provider, _, _, smtp = staffed
    choose(provider.id, [], hour_cycle="24")
    booked(provider)
    dispatcher(app, Clock()).drain()
    (mine,) = to_provider(smtp, provider)
    assert not re.search(r"\d (AM|PM)\b", mine["Subject"] + body(mine) + body(mine, "html"))


@pytest.mark.parametrize(
    ("language", "cycle", "shape"),
    [("en", "12", r"\d:\d\d [AP]M"), ("en", "24", r"\d\d:\d\d E[SD]T"),
     ("es", "12", r"\d:\d\d [ap]\."), ("es", "24", r"\d\d:\d\d E[SD]T")],
)  # fmt: skip
def test_a_waitlist_offer_reads_in_the_provider_s_clock(site, people, smtp_server, language,
                                                         cycle, shape):  # fmt: skip
    slot = slots(site)[3]
    admin = bearer(site, people["admin"].email)
    booked_id = book(site, admin, slot.id)
    drain(site)
    before = len(smtp_server.messages)
    join(site, bearer(site, people["provider_a"].email), "JD")
    with site.app_context():
        choose(people["provider_a"].id, [], language=language, hour_cycle=cycle)
    cancel(site, admin, booked_id)
    drain(site)
    smtp_server.wait_for(before + 1)
    (offer,) = [m for m in smtp_server.messages[before:] if m["To"] == people["provider_a"].email]
    text = body(offer)
    assert re.search(shape, " ".join(text.split())), text
    other = r"\d:\d\d [AP]M" if cycle == "24" else r"\d\d:\d\d E[SD]T"
    assert not re.search(other, " ".join(text.split()))
    assert ("Hola" in text) == (language == "es")
