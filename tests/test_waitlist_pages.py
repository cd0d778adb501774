"""The waitlist's pages: a provider asks for a place with the form (initials or a reference
only), sees and withdraws their own requests; the center's staff see its waitlist; in Spanish
too. A refused form names the field and keeps what was typed."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from finder.storage import db
from finder.storage.models import WaitlistRow
from tests.accounts import CENTER_X, CENTER_Y, signed_in_client

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TODAY = datetime.now(ZoneInfo("America/New_York")).date()


def token(client, path="/waitlist") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True))[1]


def ask(client, **fields: str):
    form = {
        "center_id": CENTER_X,
        "from": TODAY.isoformat(),
        "to": (TODAY + timedelta(days=20)).isoformat(),
        "reference": "JD",
        **fields,
    }
    return client.post("/waitlist", data={**form, "csrf_token": token(client)})


def requests_of(app: Flask) -> list[WaitlistRow]:
    with app.app_context():
        return list(db.session().scalars(select(WaitlistRow).order_by(WaitlistRow.id)))


@pytest.fixture
def provider(app, accounts):
    return signed_in_client(app, accounts["provider_a"])


def test_a_provider_asks_for_a_place_and_sees_the_request(app, provider):
    page = provider.get(f"/waitlist?center={CENTER_X}").get_data(as_text=True)
    assert f'value="{CENTER_X}" selected' in page
    assert "never the patient&#39;s name" in page or "never the patient's name" in page
    response = ask(provider)
    assert response.status_code == 303
    [row] = requests_of(app)
    assert (row.center_id, row.reference, row.status) == (CENTER_X, "JD", "waiting")
    listed = provider.get("/waitlist").get_data(as_text=True)
    assert "JD" in listed and "Waiting" in listed
    assert "on the waitlist of" in listed


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"reference": "Jane Doe"}, "reference"),
        ({"reference": ""}, "reference"),
        ({"to": "2020-01-01", "from": "2020-01-01"}, "to"),
        ({"from": "soon"}, "from"),
        ({"center_id": "nowhere"}, "center_id"),
    ],
)
def test_a_refused_form_names_the_field_and_keeps_nothing(app, provider, fields, field):
    response = ask(provider, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="waitlist-{field}-error"' in page
    assert 'role="alert"' in page
    assert requests_of(app) == []


def test_a_provider_withdraws_their_own_request_only(app, accounts, provider):
    ask(provider)
    [row] = requests_of(app)
    other = signed_in_client(app, accounts["provider_b"])
    refused = other.post(f"/waitlist/{row.id}/withdraw", data={"csrf_token": token(other)})
    assert refused.status_code == 404
    done = provider.post(f"/waitlist/{row.id}/withdraw", data={"csrf_token": token(provider)})
    assert done.status_code == 303
    assert requests_of(app)[0].status == "withdrawn"
    assert "Withdrawn" in provider.get("/waitlist").get_data(as_text=True)


def test_the_centers_staff_see_its_waitlist_and_no_other(app, accounts, provider):
    ask(provider, reference="AB-12")
    staff = signed_in_client(app, accounts["staff_x"])
    page = staff.get(f"/staff/centers/{CENTER_X}/waitlist")
    assert page.status_code == 200
    assert "AB-12" in page.get_data(as_text=True)
    assert 'aria-current="page">Waitlist' in page.get_data(as_text=True)
    other = signed_in_client(app, accounts["staff_y"])
    assert other.get(f"/staff/centers/{CENTER_X}/waitlist").status_code == 404
    assert "AB-12" not in other.get(f"/staff/centers/{CENTER_Y}/waitlist").get_data(as_text=True)


def test_the_pages_are_in_spanish(app, accounts, provider):
    ask(provider)
    page = provider.get("/waitlist?lang=es").get_data(as_text=True)
    assert "Mi lista de espera" in page and "En espera" in page
    assert "nunca el nombre del paciente" in page
    staff = signed_in_client(app, accounts["staff_x"])
    staff_page = staff.get(f"/staff/centers/{CENTER_X}/waitlist?lang=es").get_data(as_text=True)
    assert "Lista de espera" in staff_page
