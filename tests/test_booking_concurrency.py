"""Bookings under contention, against the real server: `finder serve` with 4 gunicorn workers
in a process of its own, on SQLite and on PostgreSQL. Many clients, each on a connection of its
own, released together by a barrier: a slot never holds more bookings than its capacity, the
losers get 409 (never a 500), a reschedule race has one winner, and retries with one
Idempotency-Key make one booking."""

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import Response, call, connect
from tests.live_site import Site, live_site, whole_days

CLIENTS = 50  # simultaneous bookings of one slot
RESCHEDULED = 20  # bookings moved into one slot at once
RETRIES = 20  # simultaneous identical requests with one Idempotency-Key
ACCESS_LINE = re.compile(r'"(?P<request>[A-Z]+ \S+) [^"]*" (?P<status>\d{3}) ')


@pytest.fixture(scope="module")
def site(live_database: tuple[str, Path]) -> Iterator[Site]:
    """The server on a fresh database, with hours set up by each test: staff of three centers
    and a provider, signed in."""
    with live_site(*live_database, centers=3) as made:
        yield made


@pytest.fixture(autouse=True)
def server_log_on_failure(request: pytest.FixtureRequest, site: Site) -> Iterator[None]:
    """When the test failed, the tail of the server's stderr goes to the terminal."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        reporter = request.config.pluginmanager.getplugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")
            reporter.write_line(f"{request.node.nodeid}: {site.server.tail()}")


def simultaneously(requests: list[Callable[[Any], Response]], base_url: str) -> list[Response]:
    """Each request on a thread and a connection of its own, all sent together."""
    barrier = threading.Barrier(len(requests))
    answers: list[Response | BaseException | None] = [None] * len(requests)

    def run(index: int, send: Callable[[Any], Response]) -> None:
        try:
            connection = connect(base_url)
            barrier.wait(timeout=60)
            answers[index] = send(connection)
        except BaseException as error:  # reported below, on the test's thread
            answers[index] = error
            barrier.abort()

    threads = [
        threading.Thread(target=run, args=(index, send)) for index, send in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    problems = [answer for answer in answers if not isinstance(answer, Response)]
    assert not problems, f"{len(problems)} request(s) failed on the client: {problems[:3]}"
    return [answer for answer in answers if isinstance(answer, Response)]


def statuses(answers: list[Response]) -> Counter[int]:
    return Counter(answer.status for answer in answers)


def assert_no_server_error(site: Site, answers: list[Response]) -> None:
    errors = [answer for answer in answers if answer.status >= 500]
    assert not errors, f"{len(errors)} answer(s) 5xx, e.g. {errors[0]!r}\n{site.server.tail()}"


def free_slot(site: Site, center: str, *, capacity: int, skip: int = 0) -> dict[str, Any]:
    """A slot tomorrow or later (local time) with all its places free."""
    slots = [
        slot
        for slot in site.slots_ahead(center)
        if slot["capacity"] == capacity and slot["remaining"] == capacity
    ]
    assert len(slots) > skip, f"no free slot of capacity {capacity} at {center}: {slots[:3]}"
    return slots[skip]


def booked(site: Site, center: str) -> list[dict[str, Any]]:
    """The center's bookings from yesterday to a week ahead (the hours reach four days)."""
    today = date.today()
    return [
        booking
        for booking in site.center_bookings(
            center, today - timedelta(days=1), today + timedelta(days=7)
        )
        if booking.get("status", "booked") == "booked"
    ]


def holding(bookings: list[dict[str, Any]], slot_id: Any) -> list[dict[str, Any]]:
    return [booking for booking in bookings if booking["slot_id"] == slot_id]


def booking_race(site: Site, slot_id: Any, clients: int) -> list[Response]:
    bodies = [site.booking_body(slot_id, label="race") for _ in range(clients)]

    def send(body: dict[str, Any]) -> Callable[[Any], Response]:
        return lambda connection: call(
            site.base_url, "POST", "/api/v1/bookings", body,
            token=site.provider_token, connection=connection,
        )  # fmt: skip

    answers = simultaneously([send(body) for body in bodies], site.base_url)
    assert_no_server_error(site, answers)
    return answers


def test_fifty_clients_one_place_one_booking(site: Site) -> None:
    center = site.centers[0]
    site.set_availability(center, whole_days(capacity=1))
    slot = free_slot(site, center, capacity=1)

    answers = booking_race(site, slot["id"], CLIENTS)

    assert statuses(answers) == {201: 1, 409: CLIENTS - 1}, statuses(answers)
    (winner,) = [answer.body for answer in answers if answer.status == 201]
    assert winner["slot_id"] == slot["id"]
    assert winner["center_id"] == center
    assert winner["status"] == "booked"
    refused = next(answer.body for answer in answers if answer.status == 409)
    assert isinstance(refused, dict), refused
    assert refused.get("error"), refused
    held = holding(booked(site, center), slot["id"])
    assert [booking["id"] for booking in held] == [winner["id"]]
    assert slot["id"] not in {free["id"] for free in site.slots_ahead(center)}


def test_fifty_clients_three_places_three_bookings(site: Site) -> None:
    center = site.centers[0]
    site.set_availability(center, whole_days(capacity=3))
    slot = free_slot(site, center, capacity=3, skip=1)

    answers = booking_race(site, slot["id"], CLIENTS)

    assert statuses(answers) == {201: 3, 409: CLIENTS - 3}, statuses(answers)
    winners = {answer.body["id"] for answer in answers if answer.status == 201}
    assert len(winners) == 3
    held = holding(booked(site, center), slot["id"])
    assert {booking["id"] for booking in held} == winners
    assert len(held) == 3
    assert slot["id"] not in {free["id"] for free in site.slots_ahead(center)}


def test_twenty_reschedules_into_one_slot_one_wins(site: Site) -> None:
    center = site.centers[1]
    site.set_availability(center, whole_days(capacity=1))
    slots = [slot for slot in site.slots_ahead(center) if slot["remaining"] == 1]
    assert len(slots) > RESCHEDULED, f"only {len(slots)} free slots at {center}"
    *sources, target = slots[: RESCHEDULED + 1]
    made = [site.book(slot["id"]) for slot in sources]
    assert [answer.status for answer in made] == [201] * RESCHEDULED, made[:3]
    old_slot = {answer.body["id"]: answer.body["slot_id"] for answer in made}

    def move(booking_id: Any) -> Callable[[Any], Response]:
        return lambda connection: call(
            site.base_url, "POST", f"/api/v1/bookings/{booking_id}/reschedule",
            {"slot_id": target["id"]}, token=site.provider_token, connection=connection,
        )  # fmt: skip

    answers = simultaneously([move(booking_id) for booking_id in old_slot], site.base_url)

    assert_no_server_error(site, answers)
    assert statuses(answers) == {200: 1, 409: RESCHEDULED - 1}, statuses(answers)
    (moved,) = [answer.body for answer in answers if answer.status == 200]
    assert moved["slot_id"] == target["id"]
    assert moved["status"] == "booked"
    now = booked(site, center)
    assert [booking["id"] for booking in holding(now, target["id"])] == [moved["id"]]
    winner_old = old_slot.get(moved["id"])
    if winner_old is None:  # a reschedule that makes a new booking: find the one it replaced
        still_holding = {booking["slot_id"] for booking in now}
        (winner_old,) = [slot for slot in old_slot.values() if slot not in still_holding]
    for booking_id, slot_id in old_slot.items():
        if slot_id == winner_old:
            continue
        assert [booking["id"] for booking in holding(now, slot_id)] == [booking_id], slot_id
    assert holding(now, winner_old) == []
    assert winner_old in {free["id"] for free in site.slots_ahead(center)}
    assert len([b for b in now if b["id"] in old_slot or b["id"] == moved["id"]]) == RESCHEDULED


def test_twenty_retries_with_one_idempotency_key_make_one_booking(site: Site) -> None:
    center = site.centers[2]
    site.set_availability(center, whole_days(capacity=1))
    slot = free_slot(site, center, capacity=1)
    body = site.booking_body(slot["id"], label="retry")
    key = f"retry-{slot['id']}-{body['patient']['email']}"

    def send(connection: Any) -> Response:
        return call(
            site.base_url, "POST", "/api/v1/bookings", body, token=site.provider_token,
            headers={"Idempotency-Key": key}, connection=connection,
        )  # fmt: skip

    answers = simultaneously([send] * RETRIES, site.base_url)

    assert_no_server_error(site, answers)
    assert set(statuses(answers)) <= {200, 201}, statuses(answers)
    assert 201 in statuses(answers)
    assert len({answer.body["id"] for answer in answers}) == 1, answers[:3]
    later = site.book(slot["id"], body, key=key)
    assert later.status in (200, 201), later
    assert later.body["id"] == answers[0].body["id"]
    held = holding(booked(site, center), slot["id"])
    assert [booking["id"] for booking in held] == [answers[0].body["id"]]
    email = body["patient"]["email"]
    same_patient = [
        booking
        for booking in booked(site, center)
        if isinstance(booking.get("patient"), dict) and booking["patient"].get("email") == email
    ]
    assert len(same_patient) in (0, 1), same_patient  # 0: the list leaves the patient out


def test_the_server_answered_no_request_with_a_5xx(site: Site) -> None:
    """Over everything above, set-up included, as gunicorn's access log has it."""
    assert site.server.alive(), site.server.tail()
    lines = [ACCESS_LINE.search(line) for line in site.server.access_log().splitlines()]
    seen = [line for line in lines if line is not None]
    assert seen, "the access log is empty"
    errors = [f"{line['request']} {line['status']}" for line in seen if line["status"][0] == "5"]
    assert not errors, f"{errors[:10]}\n{site.server.tail()}"
