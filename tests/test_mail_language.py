"""A booking and a referral keep the language they were made in, and their messages go out in it:
the confirmation, the reminder, the move and cancellation notices and the stage notice, sent to
a real SMTP server, in English and in Spanish, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from finder.domain.accounts import Actor, Role
from finder.domain.bookings import InvalidBooking, parse_booking_request
from finder.extensions import current_catalog
from finder.referrals import use_cases
from finder.storage import db
from finder.storage.models import BookingRow, ReferralRow, ReminderRow
from finder.wiring import unit_of_work
from tests.accounts import CENTER_X, add_account
from tests.bookings import cancel, reschedule
from tests.test_booking_service import NOW, do_book, publish, request_for, slot_at
from tests.test_reminder_dispatch import TODAY, WEDNESDAY, Clock, dispatcher


@pytest.fixture
def mailing(make_app, smtp_server):
    """An app sending to the test SMTP server, with a provider and Dana-Farber's hours."""
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache
    from tests.conftest import SMALL_CENTERS

    app = make_app(SMTP_URL=smtp_server.url, MAIL_FROM="Finder <reminders@finder.test>")
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
        provider = add_account(app, "provider_a", role="provider", practice="Cape Cod Oncology")
        publish()
        yield app, provider, smtp_server


SPANISH = {
    "confirmation": "Su consulta de CAR T está reservada",
    "bring": "Traiga una identificación con foto",
    "day": "miércoles",
    "automatic": "Este mensaje se envió automáticamente",
}


def texts(smtp) -> list[str]:
    return [m.get_body(("plain",)).get_content() for m in smtp.messages]


def book(provider, language: str, hour: int = 9) -> BookingRow:
    return do_book(request_for(slot_at(WEDNESDAY, hour).id, language=language), provider.id).booking


def test_a_spanish_booking_is_confirmed_and_reminded_in_spanish(mailing):
    app, provider, smtp = mailing
    booking = book(provider, "es")
    with db.transaction() as session:
        assert session.get(BookingRow, booking.id).language == "es"
        assert session.get(ReferralRow, booking.referral_id).language == "es"
    clock = Clock()
    assert dispatcher(app, clock).drain().sent == 2
    for message, text in zip(smtp.messages, texts(smtp), strict=True):
        assert message["Subject"].startswith(SPANISH["confirmation"])
        assert SPANISH["day"] in message["Subject"] + text
        assert SPANISH["automatic"] in text
        html = message.get_body(("html",)).get_content()
        assert 'lang="es"' in html
    assert SPANISH["bring"] in texts(smtp)[0]
    smtp.messages.clear()
    clock.now = booking.slot.start_at - timedelta(hours=24)
    assert dispatcher(app, clock).drain().sent == 2
    assert all(m["Subject"].startswith("Recordatorio") for m in smtp.messages)


def test_an_english_booking_is_confirmed_in_english(mailing):
    app, provider, smtp = mailing
    book(provider, "en")
    assert dispatcher(app, Clock()).drain().sent == 2
    for message, text in zip(smtp.messages, texts(smtp), strict=True):
        assert message["Subject"].startswith("Your CAR T consultation is booked")
        assert "Wed 13 Jan" in message["Subject"]
        assert "Bring photo ID" in text
        assert "Su consulta" not in text


def test_moving_and_cancelling_a_spanish_booking_tell_it_in_spanish(mailing):
    app, provider, smtp = mailing
    booking = book(provider, "es")
    with db.transaction() as session:  # the confirmations went out before
        session.execute(update(ReminderRow).values(status="sent"))
        reschedule(
            session,
            session.get(BookingRow, booking.id),
            slot_id=slot_at(WEDNESDAY, 11).id,
            now=NOW,
            centers=current_catalog().centers,
        )
    assert dispatcher(app, Clock()).drain().sent == 2
    assert all(
        "se reprogramó para el mié 13 ene a las 11:00" in m["Subject"] for m in smtp.messages
    ), subjects(smtp)
    smtp.messages.clear()
    with db.transaction() as session:
        cancel(session, session.get(BookingRow, booking.id), reason="", now=NOW)
    assert dispatcher(app, Clock()).drain().sent == 2
    assert all(m["Subject"].startswith("Se canceló") for m in smtp.messages), subjects(smtp)


def subjects(smtp) -> list[str]:
    return [m["Subject"] for m in smtp.messages]


def test_a_stage_notice_is_in_the_referrals_language(mailing):
    app, provider, smtp = mailing
    booking = book(provider, "es")
    staff = add_account(app, "staff_x", role="staff", centers=[CENTER_X])
    actor = Actor(staff.id, Role.STAFF, frozenset({CENTER_X}))
    with db.transaction() as session:
        session.execute(update(ReminderRow).values(status="sent"))
        entry = use_cases.StageEntry("consultation", at=TODAY, note="")
        uow = unit_of_work(session, now=NOW)
        use_cases.record_stage(uow, actor, booking.referral_id, entry, catalog=current_catalog())
    assert dispatcher(app, Clock()).drain().sent == 1
    message = smtp.messages[0]
    assert message["Subject"] == (
        f"Remisión {booking.referral_id} en Dana-Farber Cancer Institute: Consulta"
    )
    text = " ".join(message.get_body(("plain",)).get_content().split())
    assert "registró una nueva etapa para su paciente A. D." in text
    assert "Consulta, el lunes," in text


def test_the_api_takes_a_language_and_refuses_another():
    catalog_free = {"slot_id": 1, "indication": "LBCL", "notes": ""}
    patient = {"name": "Alex Doe", "birth_date": "1960-01-01"}
    with pytest.raises(InvalidBooking) as refused:
        parse_booking_request(
            {**catalog_free, "patient": patient, "language": "fr"},
            today=TODAY,
            products=_products(),
        )
    assert "language" in refused.value.fields
    request = parse_booking_request(
        {**catalog_free, "patient": patient, "language": "es"}, today=TODAY, products=_products()
    )
    assert request.language == "es"


def _products():
    from tests.domain_fixtures import PRODUCTS

    return PRODUCTS
