"""CSRF, security headers, rate limits and the sign-in lockout."""

import pytest
from sqlalchemy import update

from finder.storage import db
from finder.storage.models import SignInThrottleRow
from tests.accounts import PASSWORD, csrf_token, sign_in, signed_in_client

FORM_POSTS = [
    "/sign-in",
    "/sign-out",
    "/password/forgot",
    "/password/reset",
    "/invitation",
    "/admin/users",
    "/referrals",
    "/referrals/new",
    "/coverage/plan",
    "/account/settings",
    "/waitlist",
]


def test_every_page_form_route_is_covered_here(app):
    posted = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    }
    assert {p for p in posted if "<" not in p} == set(FORM_POSTS)


@pytest.mark.parametrize("path", FORM_POSTS)
def test_a_form_post_without_the_csrf_token_is_refused(app, accounts, path):
    client = signed_in_client(app, accounts["admin"])
    response = client.post(path, data={"email": "admin@example.org"})
    assert response.status_code == 400
    assert b"Reload the page" in response.data


def test_a_form_post_with_another_sessions_token_is_refused(app, accounts):
    attacker = app.test_client()
    their_token = csrf_token(attacker)
    victim = signed_in_client(app, accounts["admin"])
    response = victim.post(
        "/admin/users", data={"email": "x@example.org", "role": "admin", "csrf_token": their_token}
    )
    assert response.status_code == 400


def test_admin_forms_with_ids_need_the_token_too(app, accounts):
    client = signed_in_client(app, accounts["admin"])
    user_id = accounts["provider_a"].id
    for path in (f"/admin/users/{user_id}", f"/admin/users/{user_id}/active"):
        assert client.post(path, data={"active": "0"}).status_code == 400


def test_an_api_call_with_the_session_cookie_needs_the_csrf_header(app, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    assert client.delete("/api/v1/auth/token").status_code == 400
    token = csrf_token(client)
    response = client.delete("/api/v1/auth/token", headers={"X-CSRF-Token": token})
    assert response.status_code == 400  # past CSRF: no bearer token to revoke
    assert "Authorization" in response.get_json()["message"]


def test_pages_and_the_api_carry_the_security_headers(app):
    client = app.test_client()
    for path in ("/", "/sign-in", "/api/v1/rules", "/no-such-page"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_each_response_gets_its_own_nonce_for_the_inline_map_code(app):
    client = app.test_client()
    first = client.get("/?near=02115")
    second = client.get("/?near=02115")
    nonce = first.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">'.encode() in first.data
    assert nonce not in second.headers["Content-Security-Policy"]


def test_a_tile_server_is_allowed_for_images_only_when_configured(make_app):
    app = make_app(TILE_URL="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    policy = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tile.example.org" in policy
    assert "script-src 'self' 'nonce-" in policy


def test_signed_in_pages_are_never_cached(app, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    assert client.get("/account").headers["Cache-Control"] == "no-store"


@pytest.fixture
def limited_app(make_app):
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache
    from tests.conftest import SMALL_CENTERS

    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    return app


def test_sign_in_is_rate_limited_with_a_clear_429(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client)
    statuses = [
        client.post("/sign-in", data={"email": f"u{n}@example.org", "password": "x",
                                      "csrf_token": token}).status_code
        for n in range(11)
    ]  # fmt: skip
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    response = client.post("/sign-in", data={"email": "z@example.org", "csrf_token": token})
    assert "Retry-After" in response.headers
    assert b"Too many requests" in response.data


def test_the_token_endpoint_is_rate_limited_with_a_json_429(limited_app):
    client = limited_app.test_client()
    for n in range(10):
        client.post("/api/v1/auth/token", json={"email": f"u{n}@example.org", "password": "x"})
    response = client.post("/api/v1/auth/token", json={"email": "u@example.org", "password": "x"})
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_requests"
    assert int(response.headers["Retry-After"]) > 0


def test_password_reset_requests_are_rate_limited(limited_app):
    client = limited_app.test_client()
    token = csrf_token(client)
    statuses = [
        client.post(
            "/password/forgot", data={"email": "a@example.org", "csrf_token": token}
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_five_failures_lock_sign_in_even_with_the_right_password(app, accounts):
    client = app.test_client()
    email = accounts["provider_a"].email
    for _ in range(5):
        assert sign_in(client, email, "not the password").status_code == 401
    locked = sign_in(client, email)
    assert locked.status_code == 429
    assert b"Try again in 1 minute" in locked.data


def test_a_locked_unknown_email_looks_exactly_like_a_locked_account(app, accounts):
    def lock(email):
        client = app.test_client()
        for _ in range(6):
            response = sign_in(client, email, "not the password")
        return response

    real = lock(accounts["provider_a"].email)
    unknown = lock("no.such.person@example.org")
    assert real.status_code == unknown.status_code == 429
    strip = lambda r: r.data.replace(b"provider.a@example.org", b"").replace(  # noqa: E731
        b"no.such.person@example.org", b""
    )
    assert _without_nonces(strip(real)) == _without_nonces(strip(unknown))


def _without_nonces(page: bytes) -> bytes:
    import re

    page = re.sub(rb'nonce="[^"]+"', b"", page)
    return re.sub(rb'name="csrf_token" value="[^"]+"', b"", page)


def test_the_lock_lifts_after_its_time_and_a_success_clears_the_count(app, accounts):
    client = app.test_client()
    email = accounts["provider_a"].email
    for _ in range(5):
        sign_in(client, email, "not the password")
    with app.app_context(), db.transaction() as session:
        session.execute(update(SignInThrottleRow).values(locked_until=None))
    assert sign_in(client, email, PASSWORD).status_code == 302
    assert sign_in(app.test_client(), email, "not the password").status_code == 401


def test_the_token_endpoint_shares_the_lockout(app, accounts):
    client = app.test_client()
    email = accounts["admin"].email
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"email": email, "password": "nope"})
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["error"] == "sign_in_locked"
    assert int(response.headers["Retry-After"]) >= 59


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("GET", "/?near=021%0015", None),
        ("POST", "/sign-in", {"email": "a\x00@example.org", "password": "x"}),
        ("POST", "/password/forgot", {"email": "a\x00@example.org"}),
        ("POST", "/api/v1/auth/token", '{"email": "a\\u0000@example.org", "password": "x"}'),
    ],
)
def test_a_nul_character_anywhere_is_a_clear_400(app, method, path, payload):
    client = app.test_client()
    if isinstance(payload, dict):
        payload = {**payload, "csrf_token": csrf_token(client)}
        response = client.post(path, data=payload)
    elif isinstance(payload, str):
        response = client.post(path, data=payload, content_type="application/json")
    else:
        response = client.get(path)
    assert response.status_code == 400
    assert b"not allowed" in response.data


def test_a_stale_session_cookie_on_a_guarded_api_call_is_a_401(app, accounts):
    client = signed_in_client(app, accounts["provider_a"])
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    assert client.delete("/api/v1/auth/token").status_code == 401
