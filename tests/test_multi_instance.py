"""The shape a health system runs, on loopback: one PostgreSQL database, one Redis for the rate
limits, two `finder serve` instances (two gunicorn workers each) behind a load balancer that this
test plays (it alternates between them and adds X-Forwarded-For), and two `finder scheduler`
processes sending into one SMTP server. A client's limit is counted once across every worker,
each message goes out once, and a slot never holds more bookings than its capacity."""

import http.client
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
from sqlalchemy import create_engine, func, select

from finder.app import create_app
from finder.centers.use_cases import load_centers_file
from finder.extensions import catalog_cache
from finder.reminders.messages import message_id
from finder.storage import db
from finder.storage.migrate import upgrade
from finder.storage.models import BookingRow, ReminderRow, SlotRow
from tests.accounts import PASSWORD, Account, add_account
from tests.conftest import missing
from tests.live_server import (
    CENTERS_CSV,
    LiveServer,
    Response,
    ServerFailed,
    call,
    connect,
    finder_command,
    fresh_postgres_database,
)
from tests.live_site import Site, centers_offering, whole_days
from tests.smtp import SmtpServer
from tests.smtp import running as smtp_running

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
MAIL_FROM = "Finder <reminders@finder.test>"
BOOKINGS = 60  # across both instances, each owing two confirmations
CLIENTS = 40  # simultaneous attempts at one slot
CAPACITY = 3
PRODUCT, INDICATION = "yescarta", "LBCL"
ACCESS_LINE = re.compile(r'"(?P<request>[A-Z]+ \S+) [^"]*" (?P<status>\d{3}) ')


@dataclass
class Shape:
    """Both instances with a signed-in staff member and provider, and what runs beside them."""

    sites: list[Site]
    database_url: str
    smtp: SmtpServer
    scheduler_logs: list[Path]
    store: redis.Redis
    prefix: str  # this run's rate-limit keys

    @property
    def servers(self) -> list[LiveServer]:
        return [site.server for site in self.sites]

    def logs(self) -> str:
        schedulers = [f"--- {log.name} ---\n{_tail(log)}" for log in self.scheduler_logs]
        return "\n".join([*(server.tail(30) for server in self.servers), *schedulers])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def redis_client() -> redis.Redis:
    """The test's Redis, or a skip (a failure under CI) when it does not answer."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        missing("Redis", f"{REDIS_URL}: {error}")
    return client


@dataclass
class Scheduler:
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """SIGTERM: the message in hand is finished, then the process exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_schedulers(env: dict[str, str], workdir: Path, count: int) -> list[Scheduler]:
    """`count` scheduler processes: each with its log."""
    started = []
    for n in range(count):
        log = workdir / f"scheduler-{n}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(  # our own console script
                [finder_command(), "scheduler"], env=env, cwd=workdir,
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip
        started.append(Scheduler(process, log))
    return started


def prepare_database(url: str, tag: str) -> tuple[list[str], Account, Account]:
    """`finder init-db`, a staff member of two centers and a provider, done in this process."""
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "set-up", "TESTING": True, "RATELIMIT_ENABLED": False}
    )
    try:
        upgrade(url)
        with app.app_context():
            load_centers_file(CENTERS_CSV, catalog_cache().products)
        centers = centers_offering(PRODUCT, INDICATION)[:2]
        staff = add_account(app, f"staff_{tag}", role="staff", centers=centers)
        provider = add_account(app, f"provider_{tag}", role="provider", practice="Shape Oncology")
    finally:
        db.engine(app).dispose()
    return centers, staff, provider


def bearer_token(base_url: str, account: Account) -> str:
    answer = call(
        base_url, "POST", "/api/v1/auth/token", {"email": account.email, "password": PASSWORD}
    )
    assert answer.status in (200, 201), answer
    token: str = answer.body["token"]
    return token


def stop_all(servers: list[LiveServer], schedulers: list[Scheduler]) -> None:
    """Every process at once: each finishes its own in-flight work (a server's workers their
    request in hand, then halted without their exit clean-up)."""
    with ThreadPoolExecutor(len(servers) + len(schedulers)) as pool:
        stops = [*(server.halt for server in servers), *(s.stop for s in schedulers)]
        list(pool.map(lambda stop: stop(), stops))


@pytest.fixture(scope="module")
def shape(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shape]:
    store = redis_client()
    tag = uuid.uuid4().hex[:10]
    prefix = f"finder-test-{tag}"
    workdir = tmp_path_factory.mktemp("shape")
    with ExitStack() as stack, smtp_running(SmtpServer()) as smtp:
        smtp.delay = 0.005  # a busy server: both schedulers get a share
        try:
            url = stack.enter_context(fresh_postgres_database())
        except Exception as error:
            missing("PostgreSQL", str(error).splitlines()[0])
        stack.callback(_forget, store, prefix)
        # The migration runs once, before any instance or scheduler starts.
        centers, staff, provider = prepare_database(url, tag)
        servers = [LiveServer(url, workdir / f"web-{n}", workers=2) for n in range(2)]
        shared = {
            **servers[0].env,  # the same SECRET_KEY signs every instance's cookies
            "RATELIMIT_ENABLED": "1",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_KEY_PREFIX": prefix,
            "PROXY_COUNT": "1",  # this test is the load balancer
            "SMTP_URL": smtp.url,
            "MAIL_FROM": MAIL_FROM,
            "SCHEDULER_POLL_SECONDS": "0.2",
            "REMINDER_LEASE_SECONDS": "30",
        }
        for server in servers:
            server.env.update({**shared, "TMPDIR": str(server.workdir)})
        schedulers = start_schedulers(shared, workdir, 2)
        stack.callback(stop_all, servers, schedulers)
        try:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda server: server.start(), servers))
        except ServerFailed as error:
            pytest.fail(str(error))
        tokens = [bearer_token(servers[0].base_url, account) for account in (staff, provider)]
        sites = [Site(server, centers, *tokens, PRODUCT, INDICATION) for server in servers]
        logs = [scheduler.log for scheduler in schedulers]
        yield Shape(sites, url, smtp, logs, store, prefix)


def _forget(store: redis.Redis, prefix: str) -> None:
    """Delete this run's rate-limit counters, and nothing else in the store."""
    keys = list(store.scan_iter(match=f"*{prefix}*", count=500))
    if keys:
        store.delete(*keys)
    store.close()


def forwarded(number: int) -> dict[str, str]:
    """A client address of its own, as the load balancer would add it."""
    return {"X-Forwarded-For": f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"}


# --- (a) rate limits counted once --------------------------------------------------------------


def sign_in_form(base_url: str) -> tuple[str, str]:
    """The session cookie and the CSRF token the sign-in page gives."""
    answer = call(base_url, "GET", "/sign-in", headers={"Accept": "text/html"})
    assert answer.status == 200, answer
    cookie = answer.headers["set-cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', answer.body)
    assert token is not None, answer
    return cookie, token.group(1)


def failed_sign_in(base_url: str, cookie: str, token: str, client: str) -> http.client.HTTPResponse:
    form = urlencode(
        {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.org", "password": "wrong",
         "csrf_token": token}
    )  # fmt: skip
    connection = connect(base_url)
    try:
        connection.request(
            "POST", "/sign-in", body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                "X-Forwarded-For": client, "Connection": "close",
            },
        )  # fmt: skip
        answer = connection.getresponse()
        answer.read()
        return answer
    finally:
        connection.close()


def test_every_instance_answers_its_health_check(shape: Shape) -> None:
    for server in shape.servers:
        answer = call(server.base_url, "GET", "/healthz")
        assert answer.status == 200, answer
        assert answer.body == {"status": "ok", "database": "ok"}


def test_a_client_gets_its_sign_in_limit_once_across_both_instances(shape: Shape) -> None:
    first, second = (server.base_url for server in shape.servers)
    cookie, token = sign_in_form(first)  # the other instance reads the same signed session
    client = "192.0.2.77"
    answers = [
        failed_sign_in((first, second)[attempt % 2], cookie, token, client) for attempt in range(11)
    ]
    statuses = [answer.status for answer in answers]
    # Four workers each counting on their own would have let 40 through.
    assert statuses == [401] * 10 + [429], f"{statuses}\n{shape.logs()}"
    assert answers[-1].getheader("X-RateLimit-Limit") == "10"
    assert answers[-1].getheader("Retry-After")
    assert list(shape.store.scan_iter(match=f"*{shape.prefix}/{client}/*"))  # counted in Redis
    # Another client behind the same load balancer has its own count.
    other = failed_sign_in(second, cookie, token, "192.0.2.78")
    assert other.status == 401


# --- (c) bookings exact across instances -------------------------------------------------------


def race(shape: Shape, slot_id: Any, clients: int) -> list[Response]:
    """Bookings of one slot, alternately on each instance, on connections released together."""
    barrier = threading.Barrier(clients)
    site = shape.sites[0]
    bodies = [site.booking_body(slot_id, label="race") for _ in range(clients)]

    def attempt(number: int) -> Response:
        base_url = shape.servers[number % 2].base_url
        connection = connect(base_url)
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            connection.close()
            raise
        return call(
            base_url, "POST", "/api/v1/bookings", bodies[number], token=site.provider_token,
            headers=forwarded(1000 + number), connection=connection,
        )  # fmt: skip

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(attempt, range(clients)))


def test_one_slot_holds_exactly_its_capacity_across_both_instances(shape: Shape) -> None:
    site = shape.sites[0]
    center = site.centers[1]
    site.set_availability(center, {**whole_days(capacity=CAPACITY), "reminder_hours": []})
    slot = next(s for s in site.slots_ahead(center) if s["remaining"] == CAPACITY)

    answers = race(shape, slot["id"], CLIENTS)

    statuses = Counter(answer.status for answer in answers)
    assert statuses == {201: CAPACITY, 409: CLIENTS - CAPACITY}, f"{statuses}\n{shape.logs()}"
    engine = create_engine(shape.database_url)
    try:
        with engine.connect() as connection:
            booked = connection.scalar(select(SlotRow.booked).where(SlotRow.id == slot["id"]))
            held = connection.scalar(
                select(func.count(BookingRow.id)).where(
                    BookingRow.slot_id == slot["id"], BookingRow.status == "booked"
                )
            )
    finally:
        engine.dispose()
    assert booked == held == CAPACITY


# --- (b) every message sent once ---------------------------------------------------------------


def reminder_rows(database_url: str) -> list[tuple[int, str]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(
                select(ReminderRow.id, ReminderRow.status).order_by(ReminderRow.id)
            )]  # fmt: skip
    finally:
        engine.dispose()


def test_two_schedulers_send_each_message_of_bookings_on_both_instances_once(
    shape: Shape,
) -> None:
    site = shape.sites[0]
    center = site.centers[0]
    site.set_availability(center, {**whole_days(capacity=1), "reminder_hours": []})
    slots = site.slots_ahead(center)
    assert len(slots) >= BOOKINGS, f"only {len(slots)} free slots at {center}"

    def book(number: int) -> Response:
        return call(
            shape.servers[number % 2].base_url, "POST", "/api/v1/bookings",
            site.booking_body(slots[number]["id"], label="mail"), token=site.provider_token,
            headers=forwarded(2000 + number),
        )  # fmt: skip

    with ThreadPoolExecutor(6) as pool:
        made = list(pool.map(book, range(BOOKINGS)))
    assert [answer.status for answer in made] == [201] * BOOKINGS, made[:3]

    rows = reminder_rows(shape.database_url)
    assert len(rows) >= 2 * BOOKINGS  # a confirmation to the provider and one to the patient
    deadline = time.monotonic() + 120
    while any(status != "sent" for _, status in rows) and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = reminder_rows(shape.database_url)
    unsent = [row for row in rows if row[1] != "sent"]
    assert not unsent, f"{len(unsent)} not sent, e.g. {unsent[:3]}\n{shape.logs()}"
    arrived = Counter(str(message["Message-ID"]) for message in shape.smtp.messages)
    assert set(arrived) == {message_id(row_id, MAIL_FROM) for row_id, _ in rows}
    assert max(arrived.values()) == 1, arrived.most_common(3)
    shares = [
        sum(int(n) for n in re.findall(r"Reminders: (\d+) sent", log.read_text()))
        for log in shape.scheduler_logs
    ]
    print(f"\n{len(rows)} messages by two schedulers; sent per process: {shares}")


def test_no_instance_answered_a_5xx(shape: Shape) -> None:
    """Over everything above, as each instance's gunicorn access log has it."""
    for server in shape.servers:
        assert server.alive(), server.tail()
        lines = [ACCESS_LINE.search(line) for line in server.access_log().splitlines()]
        seen = [line for line in lines if line is not None]
        assert seen, "the access log is empty"
        errors = [f"{line['request']} {line['status']}" for line in seen if line["status"] >= "500"]
        assert not errors, f"{errors[:10]}\n{server.tail()}"


def test_instances_on_one_machine_claim_no_shared_control_socket(shape: Shape) -> None:
    for server in shape.servers:
        assert "Control socket listening" not in server.stderr_path.read_text(errors="replace")


def test_both_schedulers_are_still_running(shape: Shape) -> None:
    for log in shape.scheduler_logs:
        text = log.read_text(errors="replace")
        assert "Scheduler started" in text, _tail(log)
        assert "Traceback" not in text, _tail(log)
