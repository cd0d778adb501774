"""The API keeps to its own OpenAPI document: a bounded, seeded Schemathesis run.

Every operation of /api/v1/openapi.json is called with inputs generated from the document, valid
and invalid, and every answer is checked against it: no server error, a documented status, the
documented content type and body, invalid input refused, valid input not refused as malformed.
Operations that need an account are called with an admin's bearer token.
"""

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import PositiveDataAcceptanceConfig

from finder.app import create_app
from tests.accounts import PASSWORD, add_account
from tests.conftest import SMALL_CENTERS

CONFIG = {
    "seed": 20251,  # with `deterministic`: the same requests on every run of the same tree
    "generation": {
        "mode": "all",  # positive and negative data
        "max-examples": 25,  # per operation, in the fuzzing phase
        "deterministic": True,
        "database": "none",  # no example database: nothing replayed from earlier runs
    },
    # Examples (from the document), coverage (boundary values, every documented constraint
    # broken once, undeclared methods) and fuzzing; stateful sequences are left out.
    "phases": {"stateful": {"enabled": False}},
    "checks": {  # all enabled by default; named here so that a change of default shows
        name: {"enabled": True}
        for name in (
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
            "negative_data_rejection",
            "positive_data_acceptance",
        )
    },
    "operations": [
        {
            # A well-formed location that the offline gazetteer does not know, or that cannot be
            # a place, is "well-formed but unusable": 422 by the contract, for valid input too.
            # Likewise a booking of a slot that does not exist or a product the center does not
            # give, a birth date in the future, overlapping hours or a day like 30 February.
            # So are a stage the journey refuses and a home that is not a known place.
            "include-path-regex": "^/(geocode|centers|bookings|referrals|coverage)",
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": [*PositiveDataAcceptanceConfig().expected_statuses, "422"]
                }
            },
        },
    ],
}


def _document_app() -> Flask:
    """An app only to serve the document, which comes from the catalog, not the database."""
    return create_app(
        {"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "test", "GEOCODER": "offline"}
    )


# Loaded at collection, so that pytest has one test per operation and database.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", _document_app(), config=schemathesis.Config.from_dict(CONFIG)
)


@pytest.fixture
def fuzz_app(make_app) -> Flask:
    """The app with the small centers list and an admin, and no rate limits: the run calls the
    token endpoint far more often than they allow (429 stays documented and accepted)."""
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache

    # The planner's default candidates are the ZIP areas of 60,000 people or more (about 900
    # instead of 9,800): measuring them is the plan's cost, and the document is the same.
    app = make_app(RATELIMIT_ENABLED=False, COVERAGE_CANDIDATE_PEOPLE=60_000)
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    add_account(app, "admin", role="admin")
    return app


def new_token(app: Flask) -> str:
    response = app.test_client().post(
        "/api/v1/auth/token", json={"email": "admin@example.org", "password": PASSWORD}
    )
    assert response.status_code == 201, response.get_json()
    # Generated requests never hold the right password: this answer is checked here.
    schema["/auth/token"]["POST"].validate_response(response)
    token: str = response.get_json()["token"]
    return token


@pytest.fixture
def admin_token(fuzz_app: Flask) -> str:
    return new_token(fuzz_app)


@schema.parametrize()
# One app per operation and database, shared by that operation's requests on purpose: what they
# leave behind (sign-in failures, a locked email, revoked tokens) a real server keeps too.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_keeps_to_its_document(case, fuzz_app, admin_token):
    # Revoking the token would sign the rest of the run out: that call gets a token of its own.
    revokes = case.method == "DELETE" and case.path == "/auth/token"
    token = new_token(fuzz_app) if revokes else admin_token
    # The WSGI transport does not undo gzip: ask for the body as it is.
    case.call_and_validate(
        app=fuzz_app,
        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
    )


def test_the_run_uses_the_document_the_app_serves(fuzz_app):
    served = fuzz_app.test_client().get("/api/v1/openapi.json").get_json()
    assert served == schema.raw_schema


def test_a_nul_in_the_email_is_refused_not_a_server_error(fuzz_app):
    # PostgreSQL cannot compare text that holds a NUL: this was a 500 there.
    response = fuzz_app.test_client().post(
        "/api/v1/auth/token", json={"email": "admin\u0000@example.org", "password": "x"}
    )
    assert response.status_code == 400
    assert "\u0000" not in response.get_data(as_text=True)


# Found beside the run: inputs the document calls malformed that the API used to accept.


@pytest.mark.parametrize("limit", ["1_0", "%D9%A5", "%EF%BC%95"])  # Arabic-Indic and fullwidth 5
def test_a_number_is_ascii_digits_only(client, limit):
    response = client.get(f"/api/v1/centers?near=02115&limit={limit}")
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"limit": "must be a whole number"}


def test_the_length_limit_counts_the_text_as_sent(client):
    response = client.get("/api/v1/centers?near=" + "9" * 200 + "%20")
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"near": "at most 200 characters"}


def test_text_that_cannot_be_a_place_names_the_search_parameter(client):
    response = client.get("/api/v1/centers?near=0")
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"near": "invalid"}
