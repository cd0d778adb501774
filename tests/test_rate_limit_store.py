"""The rate-limit store and the client address: a store that cannot be reached never turns a
request into a 500 (each process counts on its own meanwhile), and X-Forwarded-For is believed
only from as many proxies as PROXY_COUNT says."""

import logging
from uuid import uuid4

import pytest
from sqlalchemy import select

from finder.storage import db
from finder.storage.models import AuditEventRow
from finder.web.limits import limiter
from tests.accounts import csrf_token
from tests.live_server import free_port

# Nothing here depends on the database; the store and the proxies are the subject.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def limited(make_app, monkeypatch):
    """An app with the rate limits on; the shared limiter's store state is put back afterwards."""
    monkeypatch.setattr(limiter, "_storage_dead", False)

    def make(**overrides: object):
        return make_app(RATELIMIT_ENABLED=True, **overrides)

    return make


def sign_in_statuses(client, count: int, forwarded_for: str | None = None) -> list[int]:
    """Failed sign-ins, each for another email (so no account lockout answers 429)."""
    token = csrf_token(client)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return [
        client.post(
            "/sign-in",
            data={"email": f"u{n}-{uuid4().hex[:6]}@example.org", "password": "x",
                  "csrf_token": token},
            headers=headers,
        ).status_code
        for n in range(count)
    ]  # fmt: skip


def test_an_unreachable_store_still_limits_each_process_and_never_answers_500(limited, caplog):
    app = limited(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="finder.web.limits"):
        statuses = sign_in_statuses(client, 11)
    assert statuses == [401] * 10 + [429]
    assert "Rate limit storage unreachable" in caplog.text
    assert "127.0.0.1" not in caplog.text  # neither the client's address nor the store's


def test_without_proxy_count_a_forwarded_address_does_not_escape_the_limit(limited):
    client = limited().test_client()
    statuses = [sign_in_statuses(client, 1, f"203.0.113.{n}")[0] for n in range(11)]
    assert statuses == [401] * 10 + [429]


def test_behind_one_proxy_each_forwarded_client_has_its_own_limit(limited):
    client = limited(PROXY_COUNT=1).test_client()
    assert sign_in_statuses(client, 11, "203.0.113.7")[-1] == 429
    assert sign_in_statuses(client, 1, "203.0.113.8") == [401]


def test_behind_one_proxy_only_the_address_it_added_is_believed(limited):
    client = limited(PROXY_COUNT=1).test_client()
    statuses = [
        # A client writing its own X-Forwarded-For gets the proxy's entry appended after it.
        sign_in_statuses(client, 1, f"198.51.100.{n}, 203.0.113.9")[0]
        for n in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_behind_one_proxy_the_audit_log_has_the_client_address(limited):
    app = limited(PROXY_COUNT=1)
    sign_in_statuses(app.test_client(), 1, "203.0.113.20")
    with app.app_context():
        addresses = set(db.session().scalars(select(AuditEventRow.ip)))
    assert addresses == {"203.0.113.20"}
