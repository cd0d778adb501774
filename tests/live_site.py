"""The set-up the real-server checks share: a new database for a server of its own, the server
started on it, and a site over it (staff of some centers and a provider, signed in), with the
calls those checks make. The server itself: tests/live_server.py.

Used by tests and by bench/booking_throughput.py, so no pytest here.
"""

import csv
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from tests.live_server import (
    CENTERS_CSV,
    DAYS,
    PASSWORD,
    LiveServer,
    Response,
    ServerFailed,
    call,
)


def centers_offering(product: str, indication: str, first: str = "dana-farber-boston") -> list[str]:
    """Ids of the shipped centers that list the product and the indication and treat adults,
    `first` first."""
    with CENTERS_CSV.open(newline="") as handle:
        ids = [
            row["id"]
            for row in csv.DictReader(handle)
            if product in row["products"].split(";")
            and indication in row["indications"].split(";")
            and "adult" in row["populations"].split(";")
        ]
    return sorted(ids, key=lambda center: center != first)


def whole_days(
    capacity: int = 1, *, slot_minutes: int = 30, horizon_days: int = 4
) -> dict[str, Any]:
    """Hours covering the whole day on every day, bookable right away."""
    return {
        "weekly": [{"day": day, "start": "00:00", "end": "23:59"} for day in DAYS],
        "slot_minutes": slot_minutes,
        "buffer_minutes": 0,
        "capacity": capacity,
        "min_notice_hours": 0,
        "horizon_days": horizon_days,
    }


def bookings_of(answer: Response) -> list[dict[str, Any]]:
    """The bookings of a list answer: `{"bookings": [...]}` as documented, or a bare list."""
    body = answer.body
    if isinstance(body, dict):
        for key in ("bookings", "results", "items"):
            if isinstance(body.get(key), list):
                return list(body[key])
    if isinstance(body, list):
        return body
    raise AssertionError(f"not a list of bookings: {answer!r}")


@dataclass
class Site:
    """A running server with a staff member of some centers and a provider, both signed in."""

    server: LiveServer
    centers: list[str]
    staff_token: str
    provider_token: str
    product: str
    indication: str
    _patients: int = 0

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def call(self, method: str, path: str, body: Any = None, **options: Any) -> Response:
        return call(self.base_url, method, f"/api/v1{path}", body, **options)

    def set_availability(self, center: str, availability: Mapping[str, Any]) -> Response:
        answer = self.call(
            "PUT", f"/centers/{center}/availability", dict(availability), token=self.staff_token
        )
        if answer.status != 200:
            raise ServerFailed(f"PUT availability of {center}: {answer!r}")
        return answer

    def local_today(self, center: str) -> tuple[date, str]:
        answer = self.call("GET", f"/centers/{center}")
        if answer.status != 200:
            raise ServerFailed(f"GET /centers/{center}: {answer!r}")
        zone = answer.body["timezone"]
        return datetime.now(ZoneInfo(zone)).date(), zone

    def free_slots(self, center: str, start: date, end: date) -> list[dict[str, Any]]:
        """The free slots from `start` to `end` (local dates, inclusive as the API takes them)."""
        query = urlencode({"from": start.isoformat(), "to": end.isoformat()})
        answer = self.call("GET", f"/centers/{center}/slots?{query}")
        if answer.status != 200:
            raise ServerFailed(f"GET slots of {center}: {answer!r}")
        return list(answer.body["slots"])

    def slots_ahead(self, center: str, days: int = 2) -> list[dict[str, Any]]:
        """The free slots from tomorrow (the center's local date) for `days` days, in order."""
        today, _ = self.local_today(center)
        tomorrow = today + timedelta(days=1)
        slots = self.free_slots(center, tomorrow, tomorrow + timedelta(days=days - 1))
        return sorted(slots, key=lambda slot: slot["start"])

    def center_bookings(self, center: str, start: date, end: date) -> list[dict[str, Any]]:
        query = urlencode({"from": start.isoformat(), "to": end.isoformat()})
        answer = self.call("GET", f"/centers/{center}/bookings?{query}", token=self.staff_token)
        if answer.status != 200:
            raise ServerFailed(f"GET bookings of {center}: {answer!r}")
        return bookings_of(answer)

    def booking_body(self, slot_id: Any, label: str = "") -> dict[str, Any]:
        """A booking request for a new, distinct patient."""
        self._patients += 1
        number = self._patients
        tag = f"{label}{number}-{uuid.uuid4().hex[:6]}"
        return {
            "slot_id": slot_id,
            "patient": {
                "name": f"Patient {tag}",
                "birth_date": f"{1950 + number % 40}-0{1 + number % 9}-1{number % 10}",
                "email": f"patient-{tag}@example.org",
                "phone": f"+1-617-555-{number % 10000:04d}",
            },
            "indication": self.indication,
            "product": self.product,
            "notes": f"load test {tag}",
        }

    def book(
        self, slot_id: Any, body: Mapping[str, Any] | None = None, key: str | None = None
    ) -> Response:
        headers = {"Idempotency-Key": key} if key else None
        return self.call(
            "POST",
            "/bookings",
            dict(body or self.booking_body(slot_id)),
            token=self.provider_token,
            headers=headers,
        )

    def reschedule(self, booking_id: Any, slot_id: Any) -> Response:
        return self.call(
            "POST",
            f"/bookings/{booking_id}/reschedule",
            {"slot_id": slot_id},
            token=self.provider_token,
        )


def set_up_site(
    server: LiveServer,
    *,
    centers: int = 3,
    product: str = "yescarta",
    indication: str = "LBCL",
) -> Site:
    """On a started server over an initialised database: staff of `centers` centers offering
    the product, a provider, and a bearer token for each (the accounts written here, straight
    into the database, as `finder users create` would: no command to start for each)."""
    chosen = centers_offering(product, indication)[:centers]
    if len(chosen) < centers:
        raise ServerFailed(f"only {len(chosen)} centers offer {product} for {indication}")
    tag = uuid.uuid4().hex[:8]
    staff, provider = f"staff-{tag}@example.org", f"provider-{tag}@example.org"
    add_users(
        server.database_url,
        [
            {"email": staff, "role": "staff", "centers": chosen},
            {"email": provider, "role": "provider", "practice": "Load Test Oncology"},
        ],
    )
    tokens = []
    for email in (staff, provider):
        answer = call(
            server.base_url, "POST", "/api/v1/auth/token", {"email": email, "password": PASSWORD}
        )
        if answer.status not in (200, 201) or not isinstance(answer.body, dict):
            raise ServerFailed(f"POST /auth/token for {email}: {answer!r}")
        tokens.append(answer.body["token"])
    return Site(server, chosen, tokens[0], tokens[1], product, indication)


def add_users(database_url: str, accounts: list[dict[str, Any]]) -> None:
    """Accounts with the password PASSWORD, written in this process in one transaction."""
    from sqlalchemy.orm import Session

    from finder.accounts.users import create_user
    from finder.storage.db import make_engine

    engine = make_engine(database_url)
    now = datetime.now(UTC)
    try:
        with Session(engine) as session:
            for account in accounts:
                create_user(session, now=now, password=PASSWORD, **account)
            session.commit()
    finally:
        engine.dispose()


def empty_database(kind: str, workdir: Path, postgres_url: Callable[[], str]) -> str:
    """A database without tables for a server of its own: a new SQLite file in `workdir`, or
    the PostgreSQL database `postgres_url()` gives with its public schema made anew."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'finder.db'}"
    from sqlalchemy import create_engine, text

    url = postgres_url()
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    return url


@contextmanager
def started_server(
    database_url: str, workdir: Path, *, workers: int = 4, env: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """`finder init-db`, then `finder serve` on it; halted at the end. A set-up that fails
    raises ServerFailed with the server's log."""
    server = LiveServer(database_url, workdir, workers=workers)
    server.env.update(env or {})
    try:
        server.init_db()
        server.start()
    except ServerFailed as error:
        server.halt()
        raise ServerFailed(f"{error}\n{server.tail()}") from error
    try:
        yield server
    finally:
        server.halt()


@contextmanager
def live_site(
    database_url: str,
    workdir: Path,
    *,
    centers: int = 1,
    env: Mapping[str, str] | None = None,
) -> Iterator[Site]:
    """A started server (4 workers) over a new database, with its staff and provider signed in."""
    with started_server(database_url, workdir, env=env) as server:
        try:
            site = set_up_site(server, centers=centers)
        except ServerFailed as error:
            raise ServerFailed(f"{error}\n{server.tail()}") from error
        yield site
