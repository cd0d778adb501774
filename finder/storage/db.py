"""The engine and one session per request, removed at teardown.

On SQLite (WAL mode) a request that may write (any method but GET, HEAD and OPTIONS) runs its
transactions as BEGIN IMMEDIATE: the write lock is taken up front, waiting up to the busy
timeout, so two writers never both read and then fail to upgrade. Reads stay deferred and never
wait for writers. On PostgreSQL writes rely on row locks and conditional updates.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_EXTENSION = "finder.db"
_WRITER = "finder.db.writer"
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(connection: Any, _record: Any) -> None:
        connection.isolation_level = None  # the driver's own BEGIN is replaced by _begin's
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        writes = connection.get_execution_options().get("finder_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[_EXTENSION] = sessionmaker(engine, expire_on_commit=False)
    writer = engine.execution_options(finder_write=True)
    app.extensions[_WRITER] = sessionmaker(writer, expire_on_commit=False)
    app.teardown_appcontext(_remove_session)


def engine(app: Flask | None = None) -> Engine:
    factory: sessionmaker[Session] = (app or current_app).extensions[_EXTENSION]
    bound: Engine = factory.kw["bind"]
    return bound


def session() -> Session:
    """The request's session, made on first use; a writer's for requests that may write."""
    if "db_session" not in g:
        may_write = not has_request_context() or request.method not in _READ_ONLY_METHODS
        g.db_session = current_app.extensions[_WRITER if may_write else _EXTENSION]()
    current: Session = g.db_session
    return current


@contextmanager
def transaction() -> Iterator[Session]:
    """The request's session inside one transaction: commit on success, roll back on error."""
    current = session()
    try:
        yield current
        current.commit()
    except BaseException:
        current.rollback()
        raise


def writer_sessions(app: Flask) -> sessionmaker[Session]:
    """Sessions outside any request whose transactions may write (the scheduler's)."""
    factory: sessionmaker[Session] = app.extensions[_WRITER]
    return factory


@contextmanager
def own_session(app: Flask, *, write: bool = False) -> Iterator[Session]:
    """A session outside any request, closed at the end: for streamed responses and workers."""
    factory: sessionmaker[Session] = app.extensions[_WRITER if write else _EXTENSION]
    current = factory()
    try:
        yield current
    finally:
        current.close()


def _remove_session(_exc: BaseException | None) -> None:
    current = g.pop("db_session", None)
    if current is not None:
        current.close()
