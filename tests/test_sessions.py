"""Web sessions: rotated at sign-in, ended by sign-out, idle and absolute timeouts, cookie flags."""

from datetime import timedelta

from sqlalchemy import select, update

from finder.storage import db
from finder.storage.models import CredentialRow
from tests.accounts import CENTER_X, PASSWORD, csrf_token, sign_in, signed_in_client


def _session_cookie(client):
    return client.get_cookie("__Host-session")


def _idle_for(app, minutes):
    """Move every web session's last use back, as if it had sat idle that long."""
    with app.app_context(), db.transaction() as session:
        for row in session.scalars(select(CredentialRow).where(CredentialRow.kind == "session")):
            row.last_seen_at -= timedelta(minutes=minutes)


def test_signing_in_lands_where_the_work_is(app, accounts):
    client = app.test_client()
    response = sign_in(client, accounts["provider_a"].email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/referrals"
    assert b"provider.a@example.org" in client.get("/account").data
    staff = sign_in(app.test_client(), accounts["staff_x"].email)
    assert staff.headers["Location"] == f"/staff/centers/{CENTER_X}/calendar"
    admin = sign_in(app.test_client(), accounts["admin"].email)
    assert admin.headers["Location"] == "/admin/users"


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(app, accounts):
    client = app.test_client()
    data = {"email": accounts["admin"].email, "password": PASSWORD}
    response = client.post(
        "/sign-in", data={**data, "next": "/admin/users", "csrf_token": csrf_token(client)}
    )
    assert response.headers["Location"] == "/admin/users"
    other = app.test_client()
    response = other.post(
        "/sign-in", data={**data, "next": "//evil.example/x", "csrf_token": csrf_token(other)}
    )
    assert response.headers["Location"] == "/admin/users"


def test_a_page_that_needs_an_account_sends_a_visitor_to_sign_in_and_back(app):
    response = app.test_client().get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/admin/users"


def test_the_session_cookie_is_secure_httponly_samesite_and_host_bound(app, accounts):
    client = app.test_client()
    response = sign_in(client, accounts["provider_a"].email)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain=" not in cookie


def test_signing_in_rotates_the_session(app, accounts):
    client = app.test_client()
    client.get("/sign-in")
    before = _session_cookie(client).value
    sign_in(client, accounts["provider_a"].email)
    assert _session_cookie(client).value != before
    with client.session_transaction() as session:
        first_secret = session["_user_id"]
    sign_in(client, accounts["provider_a"].email)
    with client.session_transaction() as session:
        assert session["_user_id"] != first_secret


def test_the_session_secret_is_stored_only_as_a_hash(app, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    with client.session_transaction() as session:
        secret = session["_user_id"]
    with app.app_context():
        hashes = list(db.session().scalars(select(CredentialRow.secret_hash)))
    assert secret not in hashes
    assert len(hashes) == 1 and len(hashes[0]) == 64


def test_a_signed_out_session_cannot_be_replayed(app, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    stolen = _session_cookie(client).value
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    replay = app.test_client()
    replay.set_cookie("__Host-session", stolen)
    assert replay.get("/account").status_code == 302


def test_a_session_idle_longer_than_the_limit_ends(app, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    _idle_for(app, 29)
    assert client.get("/account").status_code == 200
    _idle_for(app, 31)
    assert client.get("/account").status_code == 302


def test_a_session_ends_at_its_absolute_limit_even_when_in_use(app, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    with app.app_context(), db.transaction() as session:
        session.execute(
            update(CredentialRow).values(expires_at=CredentialRow.created_at)  # 12 h passed
        )
    assert client.get("/account").status_code == 302


def test_deactivating_an_account_ends_its_sessions(app, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    admin = signed_in_client(app, accounts["admin"])
    response = admin.post(
        f"/admin/users/{accounts['provider_a'].id}/active",
        data={"active": "0", "csrf_token": csrf_token(admin)},
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 302
    assert sign_in(app.test_client(), accounts["provider_a"].email).status_code == 401
