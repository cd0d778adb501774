"""Holds under contention, against the real server (`finder serve`, 4 gunicorn workers) on
SQLite and PostgreSQL: 50 providers, each with a token of their own, hold and book one slot
of capacity 2 at once. Exactly 2 holds and 2 bookings, the rest a clear 409, never a 500;
while holds are live nobody else books; once a hold runs out its place is bookable again."""

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from finder.accounts.credentials import TOKEN, Lifetime, issue
from finder.accounts.users import create_user
from finder.storage.db import make_engine
from tests.conftest import PRODUCTION_HASHER
from tests.live_server import PASSWORD, Response, call
from tests.live_site import Site, live_site, whole_days
from tests.test_booking_concurrency import (
    assert_no_server_error,
    booked,
    free_slot,
    holding,
    simultaneously,
    statuses,
)

PROVIDERS = 50
HOLD_SECONDS = 4


@pytest.fixture(scope="module")
def site(live_database: tuple[str, Path]) -> Iterator[Site]:
    with live_site(*live_database, env={"HOLD_SECONDS": str(HOLD_SECONDS)}) as made:
        yield made


@pytest.fixture(scope="module")
def tokens(site: Site) -> list[str]:
    """A bearer token for each of 50 providers of their own."""
    tag = uuid.uuid4().hex[:8]
    emails = [f"holder-{n}-{tag}@example.org" for n in range(PROVIDERS)]
    # The server's own cost, so signing in does not rehash (and write).
    stored = PRODUCTION_HASHER.hash(PASSWORD)
    engine = make_engine(site.server.database_url)
    now = datetime.now(UTC)
    secrets: list[str] = []
    with Session(engine) as session:
        for email in emails:
            user = create_user(session, email=email, role="provider", now=now)
            user.password_hash = stored
            if len(secrets) < PROVIDERS - 1:  # the tokens a sign-in would give, without 49 waits
                lifetime = Lifetime(absolute=timedelta(hours=1))
                secret, _ = issue(session, user, kind=TOKEN, lifetime=lifetime, now=now)
                secrets.append(secret)
        session.commit()
    engine.dispose()
    # The last one signs in through the API, as a provider would.
    body = {"email": emails[-1], "password": PASSWORD}
    answer = call(site.base_url, "POST", "/api/v1/auth/token", body)
    assert answer.status in (200, 201), answer
    return [*secrets, str(answer.body["token"])]


def hold(site: Site, slot_id: Any, token: str, connection: Any = None) -> Response:
    return call(
        site.base_url, "POST", f"/api/v1/slots/{slot_id}/hold", None,
        token=token, connection=connection,
    )  # fmt: skip


def book(
    site: Site, slot_id: Any, token: str, hold_id: str | None = None, connection: Any = None
) -> Response:
    body = site.booking_body(slot_id, label="hold")
    if hold_id is not None:
        body["hold_id"] = hold_id
    return call(site.base_url, "POST", "/api/v1/bookings", body, token=token, connection=connection)


def test_fifty_providers_hold_and_book_one_slot_of_two_places(site, tokens):
    center = site.centers[0]
    site.set_availability(center, whole_days(capacity=2))
    slot = free_slot(site, center, capacity=2)

    def hold_then_book(token: str) -> Callable[[Any], Response]:
        def send(connection: Any) -> Response:
            held = hold(site, slot["id"], token, connection)
            if held.status != 201:
                return held
            return book(site, slot["id"], token, held.body["hold_id"], connection)

        return send

    answers = simultaneously([hold_then_book(token) for token in tokens], site.base_url)
    assert_no_server_error(site, answers)
    assert statuses(answers) == {201: 2, 409: PROVIDERS - 2}, statuses(answers)
    winners = {answer.body["id"] for answer in answers if answer.status == 201}
    assert {b["id"] for b in holding(booked(site, center), slot["id"])} == winners
    assert slot["id"] not in {free["id"] for free in site.slots_ahead(center)}


def test_holds_never_exceed_capacity_and_an_expired_hold_is_bookable_again(site, tokens):
    center = site.centers[0]
    site.set_availability(center, whole_days(capacity=2))
    slot = free_slot(site, center, capacity=2, skip=1)

    answers = simultaneously(
        [lambda connection, t=token: hold(site, slot["id"], t, connection) for token in tokens],
        site.base_url,
    )
    assert_no_server_error(site, answers)
    assert statuses(answers) == {201: 2, 409: PROVIDERS - 2}, statuses(answers)
    holders = [n for n, answer in enumerate(answers) if answer.status == 201]
    refused = next(answer.body for answer in answers if answer.status == 409)
    assert refused["error"] == "slot_taken", refused
    outsider = next(n for n in range(PROVIDERS) if n not in holders)
    assert book(site, slot["id"], tokens[outsider]).status == 409  # both places held
    assert slot["id"] not in {free["id"] for free in site.slots_ahead(center)}

    # Both holds run out at the times they name (the server's clock is this machine's).
    ends = max(datetime.fromisoformat(answers[n].body["expires_at"]) for n in holders)
    time.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.05)
    assert slot["id"] in {free["id"] for free in site.slots_ahead(center)}
    late = book(site, slot["id"], tokens[holders[0]], answers[holders[0]].body["hold_id"])
    assert late.status == 201, late  # their hold ran out, but a place is free
    assert book(site, slot["id"], tokens[outsider]).status == 201
    assert book(site, slot["id"], tokens[holders[1]]).status == 409
    assert len(holding(booked(site, center), slot["id"])) == 2
