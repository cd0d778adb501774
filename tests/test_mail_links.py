"""Every link in every message points at PUBLIC_URL, whatever host a request claims to be for.

Each form that sends mail, or queues a message the dispatcher sends, is used by clients whose
requests name another site: in the Host header, in the X-Forwarded-* and Forwarded headers, or
in an absolute request line. The messages arrive at a real SMTP server; each link in them must
start with PUBLIC_URL (or be the center's own website, from the centers list), and the other
site must appear nowhere.
"""

import csv
import re
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from finder.reminders.scheduler import build
from finder.storage import db
from finder.storage.models import ReferralRow, ReminderRow
from tests.accounts import CENTER_X, PASSWORD, PEOPLE, add_account
from tests.conftest import SMALL_CENTERS
from tests.smtp import SmtpServer
from tests.test_booking_pages import publish, slots
from tests.test_referral_pages import form as referral_form

PUBLIC_URL = "https://finder.example.org/cart"
EVIL = "evil.example.com"
FORGERIES = ("host header", "forwarded headers", "absolute request line")
FORWARDED = {
    "X-Forwarded-Host": EVIL,
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Prefix": "/evil",
    "Forwarded": f"host={EVIL};proto=http",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
URL = re.compile(r"""https?://[^\s"'<>]+""", re.IGNORECASE)
HREF = re.compile(r"""href=["']([^"']*)["']""", re.IGNORECASE)
with SMALL_CENTERS.open(newline="") as centers_file:
    WEBSITES = {row["website"] for row in csv.DictReader(centers_file) if row["website"]}


class ForgedClient(FlaskClient):
    """A test client whose every request names EVIL as the site it is for."""

    forgery = FORGERIES[0]

    def open(self, *args, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if self.forgery == "host header":
            headers["Host"] = EVIL
        elif self.forgery == "forwarded headers":
            headers.update(FORWARDED)
        else:  # what a server hands on for "POST http://evil.example.com/... HTTP/1.1"
            url = f"http://{EVIL}{args[0]}"
            args = (url, *args[1:])
            kwargs["environ_overrides"] = {"REQUEST_URI": url, "RAW_URI": url}
        return super().open(*args, headers=headers, **kwargs)


@pytest.fixture
def site(make_app, smtp_server) -> Flask:
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache

    app = make_app(
        SMTP_URL=smtp_server.url, PUBLIC_URL=PUBLIC_URL, MAIL_FROM="Finder <no-reply@finder.test>"
    )
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    return app


@pytest.fixture
def people(site):
    return {key: add_account(site, key, **details) for key, details in PEOPLE.items()}


@pytest.fixture(params=FORGERIES)
def forged(request, site):
    """Clients of the site whose requests claim to be for EVIL."""

    def client() -> ForgedClient:
        made = ForgedClient(site, site.response_class)
        made.forgery = request.param
        return made

    return client


def token(client: FlaskClient, path: str = "/sign-in") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return CSRF.search(page.get_data(as_text=True))[1]


def post(client: FlaskClient, path: str, data: dict[str, str]):
    return client.post(path, data={**data, "csrf_token": token(client)})


def signed_in(client: FlaskClient, email: str) -> FlaskClient:
    response = post(client, "/sign-in", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def contents(message: EmailMessage) -> str:
    """The message's headers and every part, decoded as a mail client would show them."""
    found = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        found.append(content.decode("utf-8", "replace") if isinstance(content, bytes) else content)
    return "\n".join(found)


def links(message: EmailMessage) -> list[str]:
    """Every web address and every href in the message, in any part."""
    text = contents(message)
    return URL.findall(text) + [h for h in HREF.findall(text) if not h.startswith("tel:")]


def assert_only_public_links(message: EmailMessage) -> list[str]:
    """No trace of EVIL; every link on PUBLIC_URL or a center's website; returns the former."""
    assert EVIL not in contents(message).lower()
    assert EVIL.encode() not in message.as_bytes().lower()
    ours = [link for link in links(message) if link.startswith(PUBLIC_URL + "/")]
    assert set(links(message)) - set(ours) <= WEBSITES, links(message)
    return ours


def the_one_link(smtp: SmtpServer) -> str:
    smtp.wait_for(1)
    [message] = smtp.messages
    ours = assert_only_public_links(message)
    assert ours, "the message has no link to the site"
    assert len(set(ours)) == 1
    return ours[0]


# Account mail -----------------------------------------------------------------------------------


def test_a_password_reset_link_points_at_the_public_url(site, people, forged, smtp_server):
    client = forged()
    response = post(client, "/password/forgot", {"email": people["provider_a"].email})
    assert response.status_code == 200
    link = the_one_link(smtp_server)
    assert link.startswith(f"{PUBLIC_URL}/password/reset?token=")
    # The same path, served here without the prefix, is the working form.
    assert site.test_client().get(link.removeprefix(PUBLIC_URL)).status_code == 200


def test_an_invitation_link_points_at_the_public_url(site, people, forged, smtp_server):
    admin = signed_in(forged(), people["admin"].email)
    invited = {"email": "new.provider@example.org", "role": "provider", "name": "N. Provider"}
    response = post(admin, "/admin/users", {**invited, "practice": "Quincy Oncology"})
    assert response.status_code == 302
    assert the_one_link(smtp_server).startswith(f"{PUBLIC_URL}/invitation?token=")


def test_a_resent_invitation_link_points_at_the_public_url(site, people, forged, smtp_server):
    invited = add_account(site, "invited", role="provider")
    admin = signed_in(forged(), people["admin"].email)
    response = post(admin, f"/admin/users/{invited.id}/invitation", {})
    assert response.status_code == 302
    assert the_one_link(smtp_server).startswith(f"{PUBLIC_URL}/invitation?token=")


# Messages the dispatcher sends ------------------------------------------------------------------


def _book_on_the_page(provider: FlaskClient, slot_id: int) -> int:
    data = {
        "idempotency_key": f"forged-{slot_id}",
        "slot_id": str(slot_id),
        "patient_name": "Zebulon Quartermain",
        "patient_birth_date": "1960-05-01",
        "patient_email": "zq@example.org",
        "patient_phone": "",
        "indication": "LBCL",
        "product": "yescarta",
        "notes": "",
        "week": "",
    }
    response = provider.post(
        f"/book/{CENTER_X}", data={**data, "csrf_token": token(provider, f"/book/{CENTER_X}")}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _book_through_the_api(client: FlaskClient, email: str, slot_id: int) -> int:
    made = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert made.status_code == 201, made.get_json()
    body = {
        "slot_id": slot_id,
        "patient": {"name": "Robin Apipatient", "birth_date": "1962-07-14", "email": "r@ex.org"},
        "indication": "LBCL",
        "product": "yescarta",
        "notes": "",
    }
    headers = {"Authorization": f"Bearer {made.get_json()['token']}"}
    response = client.post("/api/v1/bookings", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _drain(app: Flask) -> None:
    build(app).dispatcher.drain()


def _sent(app: Flask) -> list[ReminderRow]:
    with app.app_context():
        query = select(ReminderRow).where(ReminderRow.status == "sent").order_by(ReminderRow.id)
        return list(db.session().scalars(query))


def test_booking_moving_cancelling_stage_and_resent_messages_link_only_to_the_public_url(
    site, people, forged, smtp_server
):
    publish(site, CENTER_X)
    free = [slot.id for slot in slots(site)]
    provider = signed_in(forged(), people["provider_a"].email)
    staff = signed_in(forged(), people["staff_x"].email)

    booked = _book_on_the_page(provider, free[0])
    by_api = _book_through_the_api(forged(), people["provider_a"].email, free[1])
    referred = post(provider, "/referrals/new", referral_form())
    assert referred.status_code == 303
    referral_id = int(referred.headers["Location"].rsplit("/", 1)[1])
    today = datetime.now(ZoneInfo("America/New_York")).date().isoformat()
    staged = post(staff, f"/referrals/{referral_id}/stage", {"stage": "consultation", "at": today})
    assert staged.status_code == 303
    _drain(site)

    first = _sent(site)
    moved = post(provider, f"/bookings/{booked}/reschedule", {"slot_id": str(free[2])})
    assert moved.status_code == 303
    assert post(provider, f"/bookings/{by_api}/cancel", {"reason": ""}).status_code == 303
    resent = post(
        staff,
        f"/staff/centers/{CENTER_X}/bookings/{booked}/reminders/{first[0].id}/resend",
        {},
    )
    assert resent.status_code == 303
    _drain(site)

    sent = _sent(site)
    assert {"confirmation", "rescheduled", "cancellation", "stage_changed"} <= {
        r.kind for r in sent
    }
    assert any(r.resend_of == first[0].id for r in sent)
    smtp_server.wait_for(len(sent))
    ours = {link for message in smtp_server.messages for link in assert_only_public_links(message)}
    assert f"{PUBLIC_URL}/bookings/{booked}" in ours
    assert f"{PUBLIC_URL}/referrals/{referral_id}" in ours
    with site.app_context():
        stage_referral = db.session().get(ReferralRow, referral_id)
        assert stage_referral is not None and stage_referral.stage == "consultation"


# TRUSTED_HOSTS ----------------------------------------------------------------------------------


@pytest.fixture
def guarded(make_app, smtp_server) -> Flask:
    app = make_app(
        SMTP_URL=smtp_server.url,
        PUBLIC_URL="https://finder.example.org",
        TRUSTED_HOSTS=["finder.example.org", ".finder.example.net"],
    )
    add_account(app, "provider_a", role="provider")
    return app


def test_a_listed_host_and_its_listed_subdomains_are_served(guarded):
    client = guarded.test_client()
    for host in ("finder.example.org", "finder.example.org:8443", "www.finder.example.net"):
        assert client.get("/sign-in", headers={"Host": host}).status_code == 200, host


def test_another_host_is_refused_with_a_400_page(guarded):
    response = guarded.test_client().get("/sign-in", headers={"Host": EVIL})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "This site does not answer at this address." in response.get_data(as_text=True)
    assert EVIL not in response.get_data(as_text=True)


def test_another_host_is_refused_in_spanish_too(guarded):
    headers = {"Host": EVIL, "Accept-Language": "es"}
    response = guarded.test_client().get("/", headers=headers)
    assert response.status_code == 400
    assert "Este sitio no responde en esta dirección." in response.get_data(as_text=True)


def test_another_host_is_refused_with_json_on_the_api(guarded):
    response = guarded.test_client().get("/api/v1/rules", headers={"Host": EVIL})
    assert response.status_code == 400
    assert response.get_json()["error"] == "untrusted_host"


def test_a_reset_asked_for_through_another_host_sends_nothing(guarded, smtp_server):
    client = guarded.test_client()
    body = {"email": "provider.a@example.org", "csrf_token": "x"}
    response = client.post("/password/forgot", data=body, headers={"Host": EVIL})
    assert response.status_code == 400
    assert smtp_server.messages == []


def test_a_forwarded_host_does_not_matter_when_the_host_is_listed(guarded):
    headers = {"Host": "finder.example.org", **FORWARDED}
    assert guarded.test_client().get("/sign-in", headers=headers).status_code == 200


# Settings ---------------------------------------------------------------------------------------


def _settings(tmp_path, monkeypatch, **environment: str) -> dict:
    from finder.config import from_environment

    for name in ("PUBLIC_URL", "TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_KEY", "settings-test")
    return from_environment(str(tmp_path))


def test_trusted_hosts_are_read_as_a_comma_separated_list(tmp_path, monkeypatch):
    settings = _settings(tmp_path, monkeypatch, TRUSTED_HOSTS=" Finder.example.org, .example.net,")
    assert settings["TRUSTED_HOSTS"] == ["finder.example.org", ".example.net"]


def test_without_trusted_hosts_every_host_is_served(tmp_path, monkeypatch):
    assert _settings(tmp_path, monkeypatch)["TRUSTED_HOSTS"] is None


def test_the_public_url_keeps_its_path_without_the_trailing_slash(tmp_path, monkeypatch):
    settings = _settings(tmp_path, monkeypatch, PUBLIC_URL="https://finder.example.org/cart/")
    assert settings["PUBLIC_URL"] == "https://finder.example.org/cart"


@pytest.mark.parametrize(
    "value",
    [
        "finder.example.org",
        "ftp://finder.example.org",
        "https://",
        "https://user:secret@finder.example.org",
        "https://finder.example.org/?next=1",
        "https://finder.example.org/#top",
        "https://finder.example.org:notaport",
    ],
)
def test_a_public_url_links_could_not_use_stops_the_start(tmp_path, monkeypatch, value):
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        _settings(tmp_path, monkeypatch, PUBLIC_URL=value)
