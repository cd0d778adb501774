"""The API against its own OpenAPI document: a bounded, seeded Schemathesis run.

Every operation of /api/v1/openapi.json is called with inputs generated from the document,
valid ones and invalid ones, and every answer is checked against what the document declares:
no server error, a documented status, the documented content type and body, and invalid input
rejected. Operations that need an account are called with an admin's bearer token.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings

from finder.accounts.users import create_user
from finder.app import create_app
from finder.storage import db
from finder.web.limits import limiter
from tests.conftest import SMALL_CENTERS

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "correct horse battery staple"

CONFIG = {
    "seed": 20251,  # with `deterministic` below: the same inputs on every run
    "generation": {
        "mode": "all",  # positive and negative data
        "max-examples": 25,
        "deterministic": True,
        "database": "none",  # no .hypothesis directory in the repository
    },
    "phases": {"stateful": {"enabled": False}},
}


def _document_app() -> Flask:
    """An app only to serve the document: it reads the catalog, never the database."""
    return create_app(
        {"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "test", "GEOCODER": "offline"}
    )


# Loaded when the module is collected, so that pytest gets one test per operation and database.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", _document_app(), config=schemathesis.Config.from_dict(CONFIG)
)


@pytest.fixture
def fuzz_app(make_app) -> Iterator[Flask]:
    """The app with the small centers list and an admin; no rate limits (the run calls the
    token endpoint far more often than they allow)."""
    from finder.cli import load_centers_file

    # Flask-Limiter keeps `enabled` on its one process-wide Limiter, read at init_app time:
    # restore it so the apps of later tests are limited again.
    was_enabled = limiter.enabled
    app = make_app(RATELIMIT_ENABLED=False)
    try:
        with app.app_context():
            load_centers_file(SMALL_CENTERS)
            with db.transaction() as session:
                create_user(
                    session,
                    email=ADMIN_EMAIL,
                    role="admin",
                    password=ADMIN_PASSWORD,
                    now=datetime.now(UTC),
                )
        yield app
    finally:
        limiter.enabled = was_enabled


def new_token(app: Flask) -> str:
    response = app.test_client().post(
        "/api/v1/auth/token", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 201, response.get_json()
    token: str = response.get_json()["token"]
    return token


@pytest.fixture
def admin_token(fuzz_app: Flask) -> str:
    return new_token(fuzz_app)


@schema.parametrize()
# One app per operation and database, shared by that operation's examples on purpose: the state
# they leave (sign-in failures, revoked tokens) is state a real server has too.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_keeps_to_its_document(case, fuzz_app, admin_token):
    # Revoking the token would sign the rest of the run out: that call gets a token of its own.
    is_revoke = case.method == "DELETE" and case.path == "/auth/token"
    token = new_token(fuzz_app) if is_revoke else admin_token
    case.call_and_validate(app=fuzz_app, headers={"Authorization": f"Bearer {token}"})
