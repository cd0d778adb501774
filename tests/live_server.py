"""The real server: `finder serve` (gunicorn, sync workers) in a process of its own, on a free
port, with an environment of its own; the `finder` commands that set it up; a small HTTP client
that opens a fresh connection for every request; and the set-up the booking checks share.

Used by tests/test_booking_concurrency.py and bench/booking_throughput.py, so no pytest here.
"""

import csv
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
CENTERS_CSV = ROOT / "data" / "centers.csv"
HOST = "127.0.0.1"
PASSWORD = "correct horse battery staple 7"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
# Settings of the developer's shell that must not leak into the server under test.
_SCRUBBED = ("DATABASE_URL", "SECRET_KEY", "SMTP_URL", "TILE_URL", "GEOCODER", "FLASK_APP")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def finder_command() -> str:
    """The `finder` console script next to this interpreter (the venv's), or on PATH."""
    beside = Path(sys.executable).parent / "finder"
    if beside.exists():
        return str(beside)
    found = shutil.which("finder")
    if found is None:
        raise RuntimeError("the `finder` command is not installed (make install)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_environment(database_url: str, workdir: Path) -> dict[str, str]:
    """The environment of the server and of the `finder` commands run against it."""
    env = {key: value for key, value in os.environ.items() if key not in _SCRUBBED}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="live-server-" + uuid.uuid4().hex,
        SESSION_COOKIE_SECURE="0",
        RATELIMIT_ENABLED="0",
        GEOCODER="offline",
        TMPDIR=str(workdir),
        PYTHONUNBUFFERED="1",
    )
    return env


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    body: Any  # parsed JSON, or the text when the answer is not JSON
    headers: dict[str, str]
    seconds: float

    def __repr__(self) -> str:
        text = self.body if isinstance(self.body, str) else json.dumps(self.body)
        return f"<{self.status} {text[:300]}>"


def connect(base_url: str, *, timeout: float = 60, now: bool = True) -> http.client.HTTPConnection:
    """A connection of its own to the server, already open unless `now` is false."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    if now:
        connection.connect()
    return connection


def call(
    base_url: str,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 60,
    connection: http.client.HTTPConnection | None = None,
) -> Response:
    """One request on a fresh connection (or on `connection`, opened by `connect`), closed
    afterwards."""
    sent = {"Accept": "application/json", "Connection": "close", **(headers or {})}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    if connection is None:
        connection = connect(base_url, timeout=timeout, now=False)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=payload, headers=sent)
        answer = connection.getresponse()
        raw = answer.read()
        seconds = time.perf_counter() - started
        received = {key.lower(): value for key, value in answer.getheaders()}
    finally:
        connection.close()
    text = raw.decode("utf-8", "replace")
    parsed: Any = text
    if "json" in received.get("content-type", ""):
        with suppress(ValueError):
            parsed = json.loads(text)
    return Response(answer.status, parsed, received, seconds)


# --- the server ------------------------------------------------------------------------------


class ServerFailed(RuntimeError):
    """The server or one of its commands did not do what it should; the message has its log."""


@dataclass
class LiveServer:
    """`finder serve` on a free port; `start()`, then `stop()` (or use `running()`)."""

    database_url: str
    workdir: Path
    workers: int = 4
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(init=False)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = server_environment(self.database_url, self.workdir)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def stdout_path(self) -> Path:
        return self.workdir / "server.stdout"

    @property
    def stderr_path(self) -> Path:
        return self.workdir / "server.stderr"

    def finder(self, *args: str, stdin: str | None = None) -> str:
        """Run a `finder` command in this server's environment; its output, or ServerFailed."""
        done = subprocess.run(  # our own console script
            [finder_command(), *args],
            env=self.env,
            cwd=self.workdir,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise ServerFailed(
                f"finder {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done.stdout

    def init_db(self) -> None:
        self.finder("init-db")

    def create_user(self, email: str, role: str, *extra: str) -> None:
        self.finder(
            "users", "create", "--email", email, "--role", role, *extra, "--password-stdin",
            stdin=PASSWORD + "\n",
        )  # fmt: skip

    def start(self, timeout: float = 90) -> None:
        """Start the server and wait until it answers, or ServerFailed with its log."""
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(  # our own console script
                [finder_command(), "serve", "--host", HOST, "--port", str(self.port),
                 "--workers", str(self.workers)],
                env=self.env,
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,  # its own process group: the workers go with it
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"the server exited {self.process.returncode}\n{self.tail()}")
            try:
                if call(self.base_url, "GET", "/api/v1/rules", timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerFailed(f"the server did not answer within {timeout:.0f} s\n{self.tail()}")

    def stop(self) -> None:
        """Stop gunicorn gracefully (its master is the process started), then kill what is left."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)

    def halt(self) -> None:
        """Stop a server whose checks are done: SIGTERM, so each worker finishes the request in
        hand and logs its exit, then SIGKILL, so nobody waits while each worker and the master
        free the whole app on their way out (seconds of CPU each)."""
        process = self.process
        if process is None or process.poll() is not None:
            self.process = None
            return
        exits = self._log_count("Worker exiting")
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        while (
            process.poll() is None
            and self._log_count("Worker exiting") < exits + self.workers
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
        self.process = None

    def _log_count(self, text: str) -> int:
        try:
            return self.stderr_path.read_text(errors="replace").count(text)
        except OSError:
            return 0

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 60) -> str:
        """The last lines of the server's stderr (gunicorn's and the app's log)."""
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "--- server stderr (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    def access_log(self) -> str:
        try:
            return self.stdout_path.read_text(errors="replace")
        except OSError:
            return ""


@contextmanager
def running(server: LiveServer) -> Iterator[LiveServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def fresh_postgres_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A PostgreSQL database of its own, dropped at the end: its URL (for the bench)."""
    from sqlalchemy import create_engine, text

    name = f"finder_live_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        base, _, _ = admin_url.rpartition("/")
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the set-up the booking checks share -----------------------------------------------------


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
