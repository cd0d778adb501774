"""API bearer tokens: issued for a password, stored hashed, expiring and revocable."""

from sqlalchemy import select, update

from finder.storage import db
from finder.storage.models import CredentialRow
from tests.accounts import PASSWORD, bearer_token


def _me(client, token):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_token_is_issued_for_the_right_password_and_names_its_expiry(app, accounts):
    response = app.test_client().post(
        "/api/v1/auth/token", json={"email": accounts["staff_x"].email, "password": PASSWORD}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    assert body["expires_at"].endswith("+00:00")


def test_a_token_says_who_it_belongs_to(app, accounts):
    token = bearer_token(app, accounts["staff_x"].email)
    body = _me(app.test_client(), token).get_json()
    assert body["role"] == "staff"
    assert body["centers"] == ["dana-farber-boston"]


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(app, accounts):
    client = app.test_client()
    wrong = client.post(
        "/api/v1/auth/token", json={"email": accounts["admin"].email, "password": "nope"}
    )
    unknown = client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.org", "password": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.headers["WWW-Authenticate"] == "Bearer"


def test_tokens_are_stored_only_as_hashes(app, accounts):
    token = bearer_token(app, accounts["admin"].email)
    with app.app_context():
        stored = list(db.session().scalars(select(CredentialRow.secret_hash)))
    assert token not in stored


def test_a_revoked_token_is_refused(app, accounts):
    client = app.test_client()
    token = bearer_token(app, accounts["provider_a"].email)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    response = _me(client, token)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_revoking_one_token_leaves_the_others(app, accounts):
    client = app.test_client()
    first = bearer_token(app, accounts["provider_a"].email)
    second = bearer_token(app, accounts["provider_a"].email)
    client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {first}"})
    assert _me(client, second).status_code == 200


def test_an_expired_token_is_refused(app, accounts):
    token = bearer_token(app, accounts["provider_a"].email)
    with app.app_context(), db.transaction() as session:
        session.execute(update(CredentialRow).values(expires_at=CredentialRow.created_at))
    assert _me(app.test_client(), token).status_code == 401


def test_a_deactivated_users_token_is_refused(app, accounts):
    from finder.accounts.users import set_active
    from finder.storage.models import UserRow
    from finder.web.auth import now

    token = bearer_token(app, accounts["provider_a"].email)
    with app.app_context(), db.transaction() as session:
        set_active(session, session.get(UserRow, accounts["provider_a"].id), False, now=now())
    assert _me(app.test_client(), token).status_code == 401


def test_a_session_token_cannot_be_used_as_a_bearer_token(app, accounts):
    from tests.accounts import signed_in_client

    client = signed_in_client(app, accounts["provider_a"])
    with client.session_transaction() as session:
        session_secret = session["_user_id"]
    assert _me(app.test_client(), session_secret).status_code == 401


def test_the_api_accepts_the_web_session_too(app, accounts):
    from tests.accounts import signed_in_client

    client = signed_in_client(app, accounts["provider_a"])
    assert client.get("/api/v1/me").get_json()["email"] == accounts["provider_a"].email


def test_a_malformed_authorization_header_is_a_401_not_a_500(app, accounts):
    client = app.test_client()
    for header in ("Bearer", "Bearer ", "Basic abc", "bearer \x00", "Bearer " + "x" * 5000):
        assert client.get("/api/v1/me", headers={"Authorization": header}).status_code == 401
