"""The center page offers what the search results offer: "Book a consultation" and "Refer a
patient" to providers (with the next free day), a sign-in to the signed-out, nothing to staff."""

from flask import Flask

from tests.accounts import CENTER_X, signed_in_client
from tests.test_booking_pages import hours  # noqa: F401 - the fixture


def page(client) -> str:
    return client.get(f"/centers/{CENTER_X}").get_data(as_text=True)


def test_a_provider_may_book_and_refer_from_the_center_page(app: Flask, accounts, hours):  # noqa: F811
    html = page(signed_in_client(app, accounts["provider_a"]))
    assert f'href="/book/{CENTER_X}">Book a consultation</a>' in html
    assert f'href="/referrals/new?center={CENTER_X}">Refer a patient</a>' in html
    assert "Next free consultation:" in html


def test_the_signed_out_are_asked_to_sign_in_first(app: Flask, accounts):
    html = page(app.test_client())
    assert "Sign in to book" in html and "Sign in to refer a patient" in html
    assert f'href="/book/{CENTER_X}"' not in html


def test_staff_are_offered_neither(app: Flask, accounts):
    html = page(signed_in_client(app, accounts["staff_x"]))
    assert "Book a consultation" not in html and "Refer a patient" not in html


def test_in_spanish(app: Flask, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    html = client.get(f"/centers/{CENTER_X}?lang=es").get_data(as_text=True)
    assert "Reservar una consulta" in html and "Remitir a un paciente" in html
