"""The catalog cache reads the revision at most every few seconds, yet a reload made in this
process is served at once; on SQLite and PostgreSQL."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from finder.centers.catalog import CatalogCache
from finder.centers.files import read_centers_csv, read_products
from finder.centers.records import replace_centers
from finder.config import PROJECT_ROOT
from finder.storage.db import make_engine
from finder.storage.models import CatalogRevision, CenterRow
from tests.conftest import SMALL_CENTERS

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
DATA = PROJECT_ROOT / "data"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def statements(session: Session) -> list[str]:
    """Every SQL statement the session's engine runs from now on."""
    seen: list[str] = []
    engine = session.get_bind()

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def load(session: Session, rows: int | None = None) -> None:
    centers = read_centers_csv(SMALL_CENTERS, read_products(DATA))
    replace_centers(session, centers[:rows] if rows else centers, now=NOW)
    session.commit()


def test_requests_within_the_interval_run_no_query(session, statements):
    load(session)
    clock = Clock()
    cache = CatalogCache(DATA, check_seconds=2.0, clock=clock)
    first = cache.current(session)
    assert len(first.centers) == 12
    statements.clear()
    for _ in range(50):
        assert cache.current(session) is first
        clock.now += 0.01
    assert statements == []
    clock.now += 2.0
    assert cache.current(session) is first  # checked: same revision, same index
    assert len(statements) == 1 and "catalog_revision" in statements[0]


def test_a_reload_in_this_process_is_served_at_once(session):
    load(session)
    cache = CatalogCache(DATA, check_seconds=3600.0, clock=Clock())
    assert len(cache.current(session).centers) == 12
    load(session, rows=2)
    assert len(cache.current(session).centers) == 2


def test_a_reload_by_another_process_is_served_after_the_interval(session):
    load(session)
    clock = Clock()
    cache = CatalogCache(DATA, check_seconds=2.0, clock=clock)
    assert len(cache.current(session).centers) == 12
    # Another process deactivates a center and bumps the revision, without telling this one.
    session.execute(
        update(CenterRow).where(CenterRow.id == "md-anderson-houston").values(active=False)
    )
    session.execute(update(CatalogRevision).values(revision=CatalogRevision.revision + 1))
    session.commit()
    assert len(cache.current(session).centers) == 12
    clock.now += 2.0
    assert len(cache.current(session).centers) == 11
