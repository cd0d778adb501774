"""Fixtures: an app on an empty database per test, on SQLite and on PostgreSQL.

The schema is migrated once per run and database: each test gets a copy of the migrated SQLite
file, or the migrated PostgreSQL database with its tables emptied."""

import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import create_engine, text

from finder.accounts import passwords
from finder.app import create_app
from finder.storage import db
from finder.storage.migrate import upgrade
from finder.storage.models import Base
from tests import url_builders
from tests.live_site import empty_database

pytest_plugins = ["tests.smtp", "tests.accounts", "tests.browser", "tests.scheduler_process"]
url_builders.install()  # before any app is made, also those made while collecting

# Hypothesis caches what it reads of the source under ./.hypothesis, already while the tests are
# collected; keep that out of the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "finder-hypothesis")

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_CENTERS = FIXTURES / "centers_small.csv"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)


def missing(component: str, why: str) -> None:
    """Skip on a workstation without the component; under CI a missing component fails."""
    message = f"{component} is not available: {why}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


# Argon2id at the production cost takes about 0.3 s of CPU per hash or check, on purpose, and
# the tests sign in thousands of times. They hash and check with argon2id at its lowest time and
# memory cost instead (the same algorithm, salt and hash lengths); the `production_hasher`
# fixture gives a test the real one, and a test checks the stored hashes carry its cost.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PRODUCTION_HASHER = passwords._hasher


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", CHEAP_HASHER)
        yield


@pytest.fixture
def production_hasher(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """The hasher the application uses outside the tests, in place for this test."""
    monkeypatch.setattr(passwords, "_hasher", PRODUCTION_HASHER)
    return PRODUCTION_HASHER


@contextmanager
def new_postgres_database() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, dropped at the end: its URL."""
    name = f"finder_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        missing("PostgreSQL", str(error).splitlines()[0])
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
SEQUENCES = "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public'"


class MigratedPostgres:
    """The run's PostgreSQL database, migrated once; `empty()` brings it back to that state.

    DELETE, children first, then every sequence restarted: on tables of a few rows this takes a
    tenth of the time of TRUNCATE ... RESTART IDENTITY, which makes new files for each table.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        with self.engine.connect() as connection:
            tables = set(connection.scalars(text(TABLES)))
            sequences = connection.scalars(text(SEQUENCES)).all()
        children_first = [table.name for table in reversed(Base.metadata.sorted_tables)]
        tables.discard("alembic_version")
        assert tables == set(children_first), "the migrations and the models differ in tables"
        self.statements = text(
            "; ".join(
                [f'DELETE FROM "{table}"' for table in children_first]
                + [f"ALTER SEQUENCE {sequence} RESTART" for sequence in sequences]
            )
        )

    def empty(self) -> None:
        """Every table emptied and every sequence restarted, in one transaction."""
        with self.engine.begin() as connection:
            # A connection a test left inside a transaction would make this wait for ever.
            connection.execute(text("SET LOCAL lock_timeout = '30s'"))
            connection.execute(self.statements)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test run, migrated once, dropped at the end."""
    with new_postgres_database() as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def migrated_postgres(postgres_database: str) -> Iterator[MigratedPostgres]:
    database = MigratedPostgres(postgres_database)
    yield database
    database.engine.dispose()


@pytest.fixture(scope="session")
def bare_postgres_database() -> Iterator[str]:
    """Another database of its own, never migrated here: for the tests that set up the schema
    themselves (`finder init-db` against a real server)."""
    with new_postgres_database() as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """For a module's real server: a database without tables (a new SQLite file, or the run's
    bare PostgreSQL database made empty) and a working directory, as (URL, directory)."""
    workdir = tmp_path_factory.mktemp(f"live-{request.param}")
    url = empty_database(
        request.param, workdir, lambda: request.getfixturevalue("bare_postgres_database")
    )
    return url, workdir


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once for the run, closed cleanly: its file alone is the whole
    database (WAL checkpointed, no -wal or -shm left), ready to be copied."""
    path = tmp_path_factory.mktemp("template") / "finder.db"
    upgrade(f"sqlite:///{path}")
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert not leftovers, f"the template database left {leftovers} behind"
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    """A fresh migrated SQLite database in `directory`, copied from the run's template: its URL."""
    path = directory / "finder.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database with the schema at the newest revision: a copy of the run's migrated
    SQLite file, or the run's PostgreSQL database with every table emptied."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    database: MigratedPostgres = request.getfixturevalue("migrated_postgres")
    database.empty()
    return database.url


@pytest.fixture
def make_app(database_url: str, tmp_path: Path):
    """An app factory on the test database (the schema migrated, no rows), no centers loaded."""
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        config = {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "GEOCODER": "offline",
            # Tests sign in many times from one address; the limits have tests of their own.
            "RATELIMIT_ENABLED": False,
            **overrides,
        }
        app = create_app(config)
        app.instance_path = str(tmp_path / "instance")
        made.append(app)
        return app

    yield make
    for app in made:
        db.engine(app).dispose()


@pytest.fixture
def app(make_app) -> Flask:
    """The app with the small fixture list of centers loaded."""
    from finder.centers.use_cases import load_centers_file
    from finder.extensions import catalog_cache

    app = make_app()
    with app.app_context():
        load_centers_file(SMALL_CENTERS, catalog_cache().products)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# The longest files first (seconds measured on two workers): `--dist loadfile` hands out files
# in collection order, so a long file collected last would leave the other worker idle at the end.
LONGEST_FIRST = (
    "test_workflow_browser.py",
    "test_api_schema.py",
    "test_center_picker_browser.py",
    "test_account_browser.py",
    "test_mixed_load.py",
    "test_hostile_input.py",
    "test_clinic_settings_browser.py",
    "test_scheduler_process.py",
    "test_scheduler_sigterm.py",
    "test_hold_race.py",
    "test_search_page_browser.py",
    "test_booking_pages.py",
    "test_booking_concurrency.py",
    "test_staff_calendar_browser.py",
    "test_referral_browser.py",
    "test_hostile_postgres.py",
    "test_booking_browser.py",
    "test_patient_answer_browser.py",
    "test_referral_api.py",
    "test_multi_instance.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: order kept within
