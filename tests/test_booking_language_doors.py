"""The doors store a booking's language: the API's `language`, else the caller's; the provider's
page, the page's language."""

from flask import Flask

from finder.storage import db
from finder.storage.models import BookingRow
from tests.test_booking_api import api, booking_body, free_slots, publish  # noqa: F401
from tests.test_booking_pages import book, hours, provider, slots  # noqa: F401


def language_of(app: Flask, booking_id: int) -> str:
    with app.app_context():
        return db.session().get(BookingRow, booking_id).language


def test_the_api_keeps_the_language_given_else_the_callers(app, api, client):  # noqa: F811
    publish(api)
    free = free_slots(client)
    made = api["provider_a"].post("/bookings", booking_body(free[0]["id"], language="es"))
    assert made.status_code == 201, made.json
    assert made.json["language"] == "es" and language_of(app, made.json["id"]) == "es"
    spanish_caller = api["provider_a"].post(
        "/bookings", booking_body(free[1]["id"]), headers={"Accept-Language": "es-MX,es;q=0.9"}
    )
    assert spanish_caller.json["language"] == "es"
    plain = api["provider_a"].post("/bookings", booking_body(free[2]["id"]))
    assert plain.json["language"] == "en"
    refused = api["provider_a"].post("/bookings", booking_body(free[3]["id"], language="fr"))
    assert refused.status_code in (400, 422) and "language" in refused.json.get("fields", {})


def test_the_booking_page_keeps_the_pages_language(app, hours, provider):  # noqa: F811
    free = slots(app)
    provider.get("/?lang=es")  # the language cookie
    assert language_of(app, book(provider, free[0].id)) == "es"
    provider.get("/?lang=en")
    assert language_of(app, book(provider, free[1].id)) == "en"
