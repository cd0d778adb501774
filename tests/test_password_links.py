"""Password reset and invitation links: emailed through a real SMTP server, single use, expiring."""

import re

import pytest
from sqlalchemy import select, update

from finder.storage import db
from finder.storage.models import OneTimeLinkRow
from tests.accounts import csrf_token, sign_in, signed_in_client

NEW_PASSWORD = "lantern meadow copper violin"


@pytest.fixture
def mailed_app(make_app, smtp_server):
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache
    from tests.conftest import SMALL_CENTERS

    app = make_app(
        SMTP_URL=smtp_server.url, SERVER_NAME="finder.test", PUBLIC_URL="http://finder.test"
    )
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    return app


@pytest.fixture
def people(mailed_app):
    from tests.accounts import PEOPLE, add_account

    return {key: add_account(mailed_app, key, **details) for key, details in PEOPLE.items()}


def _ask_for_reset(app, email):
    client = app.test_client()
    return client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(client)})


def _link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+", text).group(0)


def _path(link: str) -> str:
    return link.split("finder.test", 1)[1]


def _choose(app, path, password=NEW_PASSWORD, confirm=None):
    client = app.test_client()
    page = client.get(path)
    token = re.search(rb'name="token" value="([^"]+)"', page.data)
    return client.post(
        path.split("?")[0],
        data={
            "token": token.group(1).decode() if token else path.split("token=")[1],
            "password": password,
            "confirm": confirm or password,
            "csrf_token": csrf_token(client),
        },
    )


def test_a_reset_link_arrives_by_email_and_sets_a_new_password(mailed_app, people, smtp_server):
    email = people["provider_a"].email
    assert _ask_for_reset(mailed_app, email).status_code == 200
    smtp_server.wait_for(1)
    message = smtp_server.messages[0]
    assert smtp_server.recipients[0] == [email]
    assert message["Subject"] == "Reset your password"
    assert message.get_body(("html",)) is not None
    response = _choose(mailed_app, _path(_link_in(message)))
    assert response.status_code == 302
    assert sign_in(mailed_app.test_client(), email, NEW_PASSWORD).status_code == 302


def test_a_reset_link_works_only_once(mailed_app, people, smtp_server):
    _ask_for_reset(mailed_app, people["provider_a"].email)
    smtp_server.wait_for(1)
    path = _path(_link_in(smtp_server.messages[0]))
    assert _choose(mailed_app, path).status_code == 302
    again = mailed_app.test_client().get(path)
    assert again.status_code == 400
    assert b"no longer valid" in again.data


def test_an_expired_reset_link_is_refused(mailed_app, people, smtp_server):
    _ask_for_reset(mailed_app, people["provider_a"].email)
    smtp_server.wait_for(1)
    with mailed_app.app_context(), db.transaction() as session:
        session.execute(update(OneTimeLinkRow).values(expires_at=OneTimeLinkRow.created_at))
    assert _choose(mailed_app, _path(_link_in(smtp_server.messages[0]))).status_code == 400


def test_a_newer_link_replaces_the_older_one(mailed_app, people, smtp_server):
    email = people["provider_a"].email
    _ask_for_reset(mailed_app, email)
    _ask_for_reset(mailed_app, email)
    smtp_server.wait_for(2)
    first, second = (_path(_link_in(m)) for m in smtp_server.messages)
    assert mailed_app.test_client().get(first).status_code == 400
    assert mailed_app.test_client().get(second).status_code == 200


def test_an_unknown_email_gets_the_same_page_and_no_mail(mailed_app, people, smtp_server):
    known = _ask_for_reset(mailed_app, people["provider_a"].email)
    unknown = _ask_for_reset(mailed_app, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(rb'(nonce|value)="[^"]+"')
    assert strip.sub(b"", known.data) == strip.sub(b"", unknown.data)
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1


def test_a_weak_new_password_is_refused_and_the_link_still_works(mailed_app, people, smtp_server):
    _ask_for_reset(mailed_app, people["provider_a"].email)
    smtp_server.wait_for(1)
    path = _path(_link_in(smtp_server.messages[0]))
    refused = _choose(mailed_app, path, password="password1234")
    assert refused.status_code == 400
    assert b"too common" in refused.data
    assert _choose(mailed_app, path, password="abc", confirm="abd").status_code == 400
    assert _choose(mailed_app, path).status_code == 302


def test_resetting_the_password_ends_every_session(mailed_app, people, smtp_server):
    signed_in = signed_in_client(mailed_app, people["provider_a"])
    _ask_for_reset(mailed_app, people["provider_a"].email)
    smtp_server.wait_for(1)
    _choose(mailed_app, _path(_link_in(smtp_server.messages[0])))
    assert signed_in.get("/account").status_code == 302


def test_the_link_secret_is_stored_only_as_a_hash(mailed_app, people, smtp_server):
    _ask_for_reset(mailed_app, people["provider_a"].email)
    smtp_server.wait_for(1)
    secret = _link_in(smtp_server.messages[0]).split("token=")[1]
    with mailed_app.app_context():
        stored = list(db.session().scalars(select(OneTimeLinkRow.secret_hash)))
    assert secret not in stored and len(stored) == 1


def test_an_admin_invites_a_staff_member_who_then_chooses_a_password(
    mailed_app, people, smtp_server
):
    admin = signed_in_client(mailed_app, people["admin"])
    response = admin.post(
        "/admin/users",
        data={
            "email": "Coordinator@Example.org",
            "name": "Pat Coordinator",
            "role": "staff",
            "centers": ["msk-new-york", "penn-philadelphia"],
            "csrf_token": csrf_token(admin),
        },
    )
    assert response.status_code == 302
    assert b"Invitation sent to coordinator@example.org" in admin.get(response.location).data
    smtp_server.wait_for(1)
    assert smtp_server.recipients[0] == ["coordinator@example.org"]
    link = _link_in(smtp_server.messages[0])
    assert "/invitation?token=" in link
    assert _choose(mailed_app, _path(link)).status_code == 302
    staff = mailed_app.test_client()
    assert sign_in(staff, "coordinator@example.org", NEW_PASSWORD).status_code == 302
    assert staff.get("/staff/centers/msk-new-york").status_code == 200
    assert staff.get("/staff/centers/dana-farber-boston").status_code == 404


def test_inviting_an_existing_email_is_a_clear_conflict(mailed_app, people):
    admin = signed_in_client(mailed_app, people["admin"])
    response = admin.post(
        "/admin/users",
        data={"email": people["staff_x"].email, "role": "provider",
              "csrf_token": csrf_token(admin)},
    )  # fmt: skip
    assert response.status_code == 409
    assert b"already exists" in response.data


def test_an_invitation_the_mail_server_refused_is_reported_to_the_admin(make_app, accounts):
    app = make_app(SMTP_URL="smtp://127.0.0.1:9")
    admin = signed_in_client(app, accounts["admin"])
    response = admin.post(
        "/admin/users",
        data={"email": "new@example.org", "role": "provider", "csrf_token": csrf_token(admin)},
    )
    assert b"could not be sent" in admin.get(response.location).data


def test_a_reset_request_while_the_mail_server_is_down_gives_the_same_page(make_app, accounts):
    app = make_app(SMTP_URL="smtp://127.0.0.1:9")  # nothing listens on the discard port
    client = app.test_client()
    response = client.post(
        "/password/forgot",
        data={"email": accounts["provider_a"].email, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 200
