"""Accounts for the tests: two providers, staff of two centers, an admin; signing in as each."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from finder.accounts.passwords import hash_password
from finder.accounts.users import create_user
from finder.storage import db

PASSWORD = "correct horse battery staple"
CENTER_X = "dana-farber-boston"
CENTER_Y = "md-anderson-houston"


@dataclass(frozen=True)
class Account:
    key: str
    id: int
    email: str
    role: str


PEOPLE = {
    "provider_a": dict(role="provider", practice="Cape Cod Oncology"),
    "provider_b": dict(role="provider", practice="Lowell Hematology"),
    "staff_x": dict(role="staff", centers=[CENTER_X]),
    "staff_y": dict(role="staff", centers=[CENTER_Y]),
    "admin": dict(role="admin"),
}


@cache
def _password_hash() -> str:
    """One argon2 hash of PASSWORD for every test account: hashing is slow on purpose."""
    return hash_password(PASSWORD, email="tests@example.org")


def _create(session: Session, key: str, **details: object) -> Account:
    email = f"{key.replace('_', '.')}@example.org"
    user = create_user(session, email=email, now=datetime.now(UTC), **details)
    user.password_hash = _password_hash()
    return Account(key, user.id, user.email, user.role)


def add_account(app: Flask, key: str, **details: object) -> Account:
    with app.app_context(), db.transaction() as session:
        return _create(session, key, **details)


@pytest.fixture
def accounts(app: Flask) -> dict[str, Account]:
    """provider_a, provider_b, staff_x (of CENTER_X), staff_y (of CENTER_Y) and admin."""
    with app.app_context(), db.transaction() as session:
        return {key: _create(session, key, **details) for key, details in PEOPLE.items()}


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session, as a page's form would carry it."""
    client.get("/sign-in")
    with client.session_transaction() as session:
        token: str = session["csrf_token"]
    return token


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )


def signed_in_client(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, account.email).status_code == 302
    return client


def bearer_token(app: Flask, email: str, password: str = PASSWORD) -> str:
    response = app.test_client().post(
        "/api/v1/auth/token", json={"email": email, "password": password}
    )
    assert response.status_code == 201, response.get_json()
    token: str = response.get_json()["token"]
    return token
