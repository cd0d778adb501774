"""Names and email addresses on every door that takes them (the admin's invitation, the
terminal, booking and referring by API and by page): a name is one line of printable text, an
address has only ASCII before the @, and an internationalised domain is kept as punycode."""

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from finder.accounts.users import create_user, find_user
from finder.domain.bookings import InvalidBooking
from finder.storage import db
from finder.storage.models import BookingRow, ReferralRow, UserRow
from tests.accounts import CENTER_X, csrf_token, signed_in_client
from tests.bookings import cancel
from tests.test_booking_api import booking_body, free_slots
from tests.test_booking_api import publish as publish_by_api
from tests.test_booking_pages import book, publish, slots
from tests.test_booking_pages import form as booking_form
from tests.test_referral_api import Callers
from tests.test_referral_api import body as referral_body
from tests.test_referral_pages import field_error, post, refer_by_form, text
from tests.test_referral_pages import form as referral_form

PATIENT = {"name": "Alex Doe", "birth_date": "1960-05-01", "email": "alex@example.org"}
ASCII_ONLY = (
    "Use an address with only ASCII letters, digits and . _ + - before the @: most mail "
    "servers cannot deliver to other addresses."
)


@pytest.fixture
def api(app: Flask, accounts) -> Callers:
    return Callers(app, accounts)


def users(app: Flask) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count(UserRow.id))) or 0


def rows(app: Flask, model) -> list:
    with app.app_context():
        return list(db.session().scalars(select(model)))


# Accounts: the admin's invitation and the terminal ------------------------------------------


def invite(admin, query: str = "", **fields: str):
    data = {"email": "new@example.org", "role": "provider", "name": "Pat Provider", **fields}
    return admin.post(f"/admin/users{query}", data={**data, "csrf_token": csrf_token(admin)})


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"name": "Pat\r\nBcc: someone@example.org"}, "Write the name on one line"),
        ({"name": "Pat\u2028Provider"}, "Write the name on one line"),
        ({"practice": "Cape Cod\nOncology"}, "Write the practice on one line"),
        ({"name": "x" * 201}, "Use at most 200 characters."),
        ({"email": "josé@example.org"}, ASCII_ONLY),
        ({"email": "new@example.org\r\nBcc: x@example.org"}, "Enter a valid email address."),
    ],
)
def test_the_invitation_refuses_a_bad_name_or_address_and_invites_nobody(
    app, accounts, fields, words
):
    admin = signed_in_client(app, accounts["admin"])
    before = users(app)
    response = invite(admin, **fields)
    assert response.status_code == 400
    assert words in text(response)
    assert users(app) == before


def test_the_invitation_speaks_spanish_about_an_address_beyond_ascii(app, accounts):
    admin = signed_in_client(app, accounts["admin"])
    response = invite(admin, "?lang=es", email="josé@example.org")
    assert response.status_code == 400
    assert "ASCII" in text(response) and "Use an address" not in text(response)


def test_an_internationalised_domain_is_invited_at_its_punycode_address(make_app, smtp_server):
    from tests.accounts import add_account

    app = make_app(SMTP_URL=smtp_server.url, SERVER_NAME="finder.test")
    admin = signed_in_client(app, add_account(app, "admin", role="admin"))
    response = invite(admin, email="Pat@Bücher.Example")
    assert response.status_code == 302
    smtp_server.wait_for(1)
    assert smtp_server.recipients == [["pat@xn--bcher-kva.example"]]
    assert smtp_server.messages[0]["To"].addresses[0].addr_spec == "pat@xn--bcher-kva.example"
    with app.app_context():
        session = db.session()
        stored = session.scalar(select(UserRow.email).where(UserRow.name == "Pat Provider"))
        assert stored == "pat@xn--bcher-kva.example"
        assert find_user(session, "PAT@bücher.example").email == stored  # either spelling


def test_the_terminal_refuses_the_same_names_and_addresses(app, runner):
    base = ["users", "create", "--role", "provider"]
    bad_name = runner.invoke(args=[*base, "--email", "a@example.org", "--name", "Pat\nX"])
    assert bad_name.exit_code == 1 and "Not created: Write the name on one line" in bad_name.output
    bad_address = runner.invoke(args=[*base, "--email", "josé@example.org"])
    assert bad_address.exit_code == 1 and "beyond ASCII" in bad_address.output
    assert users(app) == 0
    made = runner.invoke(args=[*base, "--email", "pat@bücher.example"])
    assert made.exit_code == 0, made.output
    assert "Created provider pat@xn--bcher-kva.example" in made.output


def test_the_account_service_refuses_a_bad_name_whoever_calls_it(app):
    with app.app_context(), pytest.raises(Exception, match="one line"):
        create_user(
            db.session(), email="a@example.org", role="admin", name="A\rB", now=datetime.now(UTC)
        )


# Booking: the API and the page --------------------------------------------------------------


BAD_PATIENTS = {
    "a line separator in the name": (
        {"name": "Alex\u2028Doe"},
        "patient.name",
        "contains characters that are not allowed",
    ),
    "an override in the name": (
        {"name": "Alex \u202eeoD"},
        "patient.name",
        "contains characters that are not allowed",
    ),
    "non-ASCII before the @": (
        {"email": "josé@example.org"},
        "patient.email",
        "use only ASCII letters, digits and . _ + - before the @",
    ),
    "two addresses": (
        {"email": "a@example.org,b@example.org"},
        "patient.email",
        "not a valid email address",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PATIENTS))
def test_the_booking_api_refuses_a_bad_name_or_address_with_a_422(app, api, client, case):
    changes, field, reason = BAD_PATIENTS[case]
    publish_by_api(api)
    slot = free_slots(client)[0]
    patient = {**PATIENT, **changes}
    response = api["provider_a"].post("/bookings", booking_body(slot["id"], patient=patient))
    assert response.status_code == 422, response.json
    assert response.json["fields"] == {field: reason}
    assert "josé" not in response.get_data(as_text=True)
    assert rows(app, BookingRow) == []


def test_the_booking_api_keeps_an_internationalised_domain_as_punycode(app, api, client):
    publish_by_api(api)
    slot = free_slots(client)[0]
    patient = {**PATIENT, "email": "alex@bücher.example"}
    response = api["provider_a"].post("/bookings", booking_body(slot["id"], patient=patient))
    assert response.status_code == 201, response.json
    assert response.json["patient"]["email"] == "alex@xn--bcher-kva.example"
    [referral] = rows(app, ReferralRow)
    assert referral.patient_email == "alex@xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"patient_name": "Alex\u2028Doe"}, "patient_name", "Use one line of plain text."),
        ({"patient_email": "josé@example.org"}, "patient_email", ASCII_ONLY),
        ({"notes": "Seen \u202eweek last"}, "notes", "Remove the special characters."),
    ],
)
def test_the_booking_page_refuses_the_same_with_a_400_beside_the_field(
    app, accounts, changes, field, words
):
    publish(app, CENTER_X)
    provider = signed_in_client(app, accounts["provider_a"])
    slot = slots(app)[0]
    response = provider.post(f"/book/{CENTER_X}", data=booking_form(provider, slot.id, **changes))
    assert response.status_code == 400
    assert field_error(response, field) == words
    assert rows(app, BookingRow) == []


def test_notes_typed_on_several_lines_in_the_page_are_booked_with_their_line_breaks(app, accounts):
    publish(app, CENTER_X)
    provider = signed_in_client(app, accounts["provider_a"])
    book(provider, slots(app)[0].id, notes="Two prior lines.\r\nCaregiver: daughter.")
    [booking] = rows(app, BookingRow)
    assert booking.notes == "Two prior lines.\nCaregiver: daughter."


def test_a_cancellation_reason_on_two_lines_is_refused_by_the_service(app, api, client):
    publish_by_api(api)
    slot = free_slots(client)[0]
    made = api["provider_a"].post("/bookings", booking_body(slot["id"])).json
    with app.app_context():
        session = db.session()
        booking = session.get(BookingRow, made["id"])
        with pytest.raises(InvalidBooking):
            cancel(session, booking, reason="Moved\r\nBcc: x@example.org", now=datetime.now(UTC))


# Referring: the API and the form ------------------------------------------------------------


@pytest.mark.parametrize("case", list(BAD_PATIENTS))
def test_the_referral_api_refuses_a_bad_name_or_address_with_a_422(app, api, case):
    changes, field, reason = BAD_PATIENTS[case]
    response = api["provider_a"].post("/referrals", referral_body(patient={**PATIENT, **changes}))
    assert response.status_code == 422, response.json
    assert response.json["fields"] == {field: reason}
    assert rows(app, ReferralRow) == []


def test_the_referral_form_refuses_the_same_beside_the_field(app, accounts):
    provider = signed_in_client(app, accounts["provider_a"])
    for field, value, words in (
        ("patient_name", "Octavia\u2028Brightwater", "Use one line of plain text."),
        ("patient_email", "octávia@example.org", ASCII_ONLY),
        ("note", "Relapsed\x85twice", "Remove the special characters."),
    ):
        response = post(provider, "/referrals/new", referral_form(**{field: value}))
        assert response.status_code == 400, field
        assert field_error(response, field) == words
    assert rows(app, ReferralRow) == []
    assert refer_by_form(provider, patient_email="octavia@bücher.example")
    [referral] = rows(app, ReferralRow)
    assert referral.patient_email == "octavia@xn--bcher-kva.example"
