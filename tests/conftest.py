"""Fixtures: an app on a fresh database per test, on SQLite and on PostgreSQL."""

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import create_engine, text

from finder.app import create_app
from finder.storage import db
from finder.storage.migrate import upgrade

pytest_plugins = ["tests.smtp", "tests.accounts", "tests.browser"]

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


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test run, dropped at the end."""
    name = f"finder_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        missing("PostgreSQL", str(error).splitlines()[0])
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    yield f"{base}/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'finder.db'}"
    url: str = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def make_app(database_url: str, tmp_path: Path):
    """An app factory on the test database, the schema migrated, no centers loaded."""
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

    upgrade(database_url)
    yield make
    for app in made:
        db.engine(app).dispose()


@pytest.fixture
def app(make_app) -> Flask:
    """The app with the small fixture list of centers loaded."""
    from finder.cli import load_centers_file

    app = make_app()
    with app.app_context():
        load_centers_file(SMALL_CENTERS)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()
