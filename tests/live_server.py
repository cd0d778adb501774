"""The real server: `finder serve` (gunicorn, sync workers) in a process of its own, on a free
port, with an environment of its own; the `finder` commands that set it up; a small HTTP client
that opens a fresh connection for every request. The set-up the real-server checks share (a
database, the server on it, a site with its accounts): tests/live_site.py.

Used by the real-server tests and by bench/, so no pytest here.
"""

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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
