"""The waitlist end to end, on SQLite and PostgreSQL, with a real SMTP server: a cancelled
place is held for the oldest matching request and offered by mail with a link (on PUBLIC_URL)
that books it; an ignored offer passes to the next request; nothing is offered twice."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from finder import wiring
from finder.centers.use_cases import load_centers_file
from finder.extensions import catalog_cache
from finder.reminders.scheduler import build
from finder.storage import db
from finder.storage.models import HoldRow, ReminderRow, WaitlistOfferRow, WaitlistRow
from finder.waitlist.use_cases import pass_on_lapsed_offers
from tests.accounts import CENTER_X, CENTER_Y, PASSWORD, PEOPLE, add_account
from tests.conftest import SMALL_CENTERS
from tests.smtp import SmtpServer
from tests.test_booking_pages import publish, slots
from tests.test_mail_links import assert_only_public_links, contents, signed_in, token

PUBLIC_URL = "https://finder.example.org/cart"
ZONE = ZoneInfo("America/New_York")


@pytest.fixture
def site(make_app, smtp_server) -> Flask:
    app = make_app(
        SMTP_URL=smtp_server.url, PUBLIC_URL=PUBLIC_URL, MAIL_FROM="Finder <no-reply@finder.test>"
    )
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    publish(app, CENTER_X)
    return app


@pytest.fixture
def people(site):
    return {key: add_account(site, key, **details) for key, details in PEOPLE.items()}


def bearer(site: Flask, email: str) -> dict[str, str]:
    made = site.test_client().post(
        "/api/v1/auth/token", json={"email": email, "password": PASSWORD}
    )
    assert made.status_code == 201, made.get_json()
    return {"Authorization": f"Bearer {made.get_json()['token']}"}


def book(site: Flask, headers: dict[str, str], slot_id: int) -> int:
    body = {
        "slot_id": slot_id,
        "patient": {"name": "Robin Apipatient", "birth_date": "1962-07-14", "email": "r@ex.org"},
        "indication": "LBCL",
        "product": "yescarta",
        "notes": "",
    }
    response = site.test_client().post("/api/v1/bookings", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def cancel(site: Flask, headers: dict[str, str], booking_id: int) -> None:
    response = site.test_client().post(
        f"/api/v1/bookings/{booking_id}/cancel", json={"reason": ""}, headers=headers
    )
    assert response.status_code == 200, response.get_json()


def join(site: Flask, headers: dict[str, str], reference: str, days: int = 13) -> int:
    today = datetime.now(ZONE).date()
    body = {
        "from": today.isoformat(),
        "to": (today + timedelta(days=days)).isoformat(),
        "reference": reference,
    }
    response = site.test_client().post(
        f"/api/v1/centers/{CENTER_X}/waitlist", json=body, headers=headers
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "waiting"
    assert response.get_json()["fhir_status"] == "waitlist"
    return int(response.get_json()["id"])


def drain(site: Flask, later: timedelta = timedelta(0)) -> None:
    dispatcher = build(site).dispatcher
    dispatcher.clock = lambda: datetime.now(UTC) + later
    dispatcher.drain()


def pass_on(site: Flask, later: timedelta) -> int:
    """The scheduler's tick, as if `later` had passed."""
    with site.app_context(), db.own_session(site, write=True) as session:
        return pass_on_lapsed_offers(wiring.unit_of_work(session, now=datetime.now(UTC) + later))


def offers(site: Flask) -> list[WaitlistOfferRow]:
    with site.app_context():
        return list(db.session().scalars(select(WaitlistOfferRow).order_by(WaitlistOfferRow.id)))


def request_row(site: Flask, request_id: int) -> WaitlistRow:
    with site.app_context():
        row = db.session().get(WaitlistRow, request_id)
        assert row is not None
        return row


def offer_link(message) -> str:
    ours = assert_only_public_links(message)
    booking = [link for link in ours if "/book/" in link]
    assert len(set(booking)) == 1, ours
    return booking[0]


def book_through(provider: FlaskClient, link: str) -> int:
    """Open the mailed link (it shows the held place) and book it with the page's form."""
    parts = urlsplit(link.replace("&amp;", "&"))
    path = parts.path.removeprefix(urlsplit(PUBLIC_URL).path)
    page = provider.get(f"{path}?{parts.query}")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    slot_id = re.search(r"slot=(\d+)", parts.query)[1]
    data = {
        "idempotency_key": f"waitlist-{slot_id}",
        "slot_id": slot_id,
        "patient_name": "Zebulon Quartermain",
        "patient_birth_date": "1960-05-01",
        "patient_email": "",
        "patient_phone": "",
        "indication": "LBCL",
        "product": "yescarta",
        "notes": "",
        "week": "",
        "csrf_token": token(provider, path),
    }
    response = provider.post(path, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_cancelled_place_is_offered_by_mail_and_booked_through_its_link(
    site, people, smtp_server: SmtpServer
):
    slot = slots(site)[3]
    admin = bearer(site, people["admin"].email)
    booked = book(site, admin, slot.id)
    drain(site)  # the admin's booking's own messages
    before = len(smtp_server.messages)
    request_id = join(site, bearer(site, people["provider_a"].email), "JD")

    cancel(site, admin, booked)
    [offer] = offers(site)
    assert offer.slot_id == slot.id and offer.status == "open"
    assert request_row(site, request_id).status == "offered"
    with site.app_context():  # the place is held for the provider: nobody else may take it
        hold = db.session().get(HoldRow, offer.hold_id)
        assert hold is not None and hold.provider_id == people["provider_a"].id
    taken = site.test_client().post(f"/api/v1/slots/{slot.id}/hold", headers=admin)
    assert taken.status_code == 409

    drain(site)
    smtp_server.wait_for(before + 1)
    offered = [m for m in smtp_server.messages[before:] if "opened" in str(m["Subject"])]
    assert len(offered) == 1
    message = offered[0]
    assert people["provider_a"].email in str(message["To"])
    assert "JD" in contents(message)
    assert "Robin" not in contents(message)  # the cancelled booking's patient is not told
    link = offer_link(message)
    assert link.startswith(f"{PUBLIC_URL}/book/{CENTER_X}?slot={slot.id}")

    provider = signed_in(site.test_client(), people["provider_a"].email)
    book_through(provider, link)
    assert request_row(site, request_id).status == "booked"
    assert [o.status for o in offers(site)] == ["booked"]
    listed = site.test_client().get(
        "/api/v1/waitlist", headers=bearer(site, people["provider_a"].email)
    )
    assert listed.get_json()[0]["fhir_status"] == "booked"


def test_an_ignored_offer_passes_to_the_next_request_and_nothing_is_offered_twice(
    site, people, smtp_server: SmtpServer
):
    first_slot, second_slot = slots(site)[3], slots(site)[5]
    admin = bearer(site, people["admin"].email)
    a, b = bearer(site, people["provider_a"].email), bearer(site, people["provider_b"].email)
    booked = book(site, admin, first_slot.id)
    other = book(site, admin, second_slot.id)
    first = join(site, a, "AB-1")
    second = join(site, b, "REF/22")

    drain(site)
    before = len(smtp_server.messages)
    cancel(site, admin, booked)
    assert [(o.request_id, o.status) for o in offers(site)] == [(first, "open")]
    drain(site)
    smtp_server.wait_for(before + 1)
    assert pass_on(site, timedelta(minutes=5)) == 0  # still held for the first
    assert pass_on(site, timedelta(hours=1)) == 1  # ran out unbooked
    assert [(o.request_id, o.slot_id, o.status) for o in offers(site)] == [
        (first, first_slot.id, "lapsed"),
        (second, first_slot.id, "open"),
    ]
    assert request_row(site, first).status == "waiting"
    drain(site, timedelta(hours=1))
    with site.app_context():
        mails = (
            db.session()
            .scalars(select(ReminderRow).where(ReminderRow.kind == "waitlist_offer"))
            .all()
        )
        assert [m.status for m in mails] == ["sent", "sent"]
    smtp_server.wait_for(before + 2)
    to = [str(m["To"]) for m in smtp_server.messages[before:] if "opened" in str(m["Subject"])]
    assert [people["provider_a"].email in t for t in to] == [True, False]
    assert people["provider_b"].email in to[1]

    # The second provider books it; cancelling that booking again offers it to nobody: the
    # first was offered this slot already and the second's request is done.
    provider_b = signed_in(site.test_client(), people["provider_b"].email)
    link = f"{PUBLIC_URL}/book/{CENTER_X}?slot={first_slot.id}"
    again = book_through(provider_b, link)
    assert request_row(site, second).status == "booked"
    cancel(site, b, again)
    assert len(offers(site)) == 2

    # Another place frees: the first request, waiting again, is offered that one.
    cancel(site, admin, other)
    assert [(o.request_id, o.slot_id) for o in offers(site)][-1] == (first, second_slot.id)
    with site.app_context():
        count = db.session().scalar(select(func.count()).select_from(WaitlistOfferRow))
        pairs = (
            db.session()
            .execute(select(WaitlistOfferRow.request_id, WaitlistOfferRow.slot_id))
            .all()
        )
    assert count == len(set(pairs)) == 3


def test_a_withdrawn_request_lets_its_offer_go_to_the_next(site, people):
    slot = slots(site)[3]
    admin = bearer(site, people["admin"].email)
    a, b = bearer(site, people["provider_a"].email), bearer(site, people["provider_b"].email)
    booked = book(site, admin, slot.id)
    first = join(site, a, "JD")
    second = join(site, b, "KL")
    cancel(site, admin, booked)
    # Only its own provider withdraws it.
    assert site.test_client().delete(f"/api/v1/waitlist/{first}", headers=b).status_code == 404
    assert site.test_client().delete(f"/api/v1/waitlist/{first}", headers=a).status_code == 204
    assert request_row(site, first).status == "withdrawn"
    assert [(o.request_id, o.status) for o in offers(site)] == [(first, "lapsed"), (second, "open")]


def test_staff_see_their_centers_waitlist_and_providers_their_own(site, people):
    a, b = bearer(site, people["provider_a"].email), bearer(site, people["provider_b"].email)
    join(site, a, "JD")
    join(site, b, "KL")
    mine = site.test_client().get("/api/v1/waitlist", headers=a).get_json()
    assert [row["reference"] for row in mine] == ["JD"]
    staff_x = site.test_client().get(
        "/api/v1/waitlist", headers=bearer(site, people["staff_x"].email)
    )
    assert [row["reference"] for row in staff_x.get_json()] == ["JD", "KL"]
    staff_y = site.test_client().get(
        "/api/v1/waitlist", headers=bearer(site, people["staff_y"].email)
    )
    assert staff_y.get_json() == []
    assert CENTER_Y != CENTER_X


@pytest.mark.parametrize(
    "body, field",
    [
        ({"from": "2027-01-01", "to": "2026-12-01", "reference": "JD"}, "to"),
        ({"from": "2020-01-01", "to": "2020-02-01", "reference": "JD"}, "to"),
        ({"from": "2027-01-01", "to": "2027-01-02", "reference": "Jane Doe"}, "reference"),
        ({"from": "not a date", "to": "2027-01-02", "reference": "JD"}, "from"),
        ({"from": "2027-01-01", "to": "2027-01-02"}, "reference"),
    ],
)
def test_a_bad_request_is_refused_with_the_field_named(site, people, body, field):
    response = site.test_client().post(
        f"/api/v1/centers/{CENTER_X}/waitlist",
        json=body,
        headers=bearer(site, people["provider_a"].email),
    )
    assert response.status_code in (400, 422), response.get_json()
    assert field in response.get_json()["fields"]
    assert "Jane" not in response.get_data(as_text=True)


def test_the_schedulers_tick_passes_on_an_offer_whose_hold_ran_out(site, people):
    slot = slots(site)[3]
    admin = bearer(site, people["admin"].email)
    booked = book(site, admin, slot.id)
    first = join(site, bearer(site, people["provider_a"].email), "JD")
    second = join(site, bearer(site, people["provider_b"].email), "KL")
    cancel(site, admin, booked)
    scheduler = build(site)
    assert scheduler.pass_on_offers() == 0  # the offer stands
    past = datetime.now(UTC) - timedelta(seconds=1)
    with site.app_context(), db.transaction() as session:
        session.execute(update(WaitlistOfferRow).values(expires_at=past))
        session.execute(update(HoldRow).values(expires_at=past))
    assert scheduler.pass_on_offers() == 1
    assert [(o.request_id, o.status) for o in offers(site)] == [
        (first, "lapsed"),
        (second, "open"),
    ]
