"""The engine and one session per request, removed at teardown.

On SQLite (WAL mode) a request that may write (any method but GET, HEAD and OPTIONS) runs its
transactions as BEGIN IMMEDIATE: the write lock is taken up front, waiting up to the busy
timeout, so two writers never both read and then fail to upgrade. Reads stay deferred and never
wait for writers, and never write: a deferred transaction that has read cannot take the write
lock once another connection has written (SQLite answers "database is locked" at once, whatever
the busy timeout). What a read request must still write, its audit event and the credential's
last use, goes through `bookkeeping()`, a short transaction of its own that waits for the lock.
On PostgreSQL writes rely on row locks and conditional updates; the same rules apply, so the
two behave alike.
"""

from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

_EXTENSION = "finder.db"
_WRITER = "finder.db.writer"
_READER = "finder.db.reader"
_READ_ONLY = "finder.read_only"
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# How long a transaction waits for SQLite's write lock: well inside gunicorn's 30 s worker
# timeout, so a request that cannot get it answers 503 rather than being killed.
BUSY_TIMEOUT_SECONDS = 10


class ReadOnlySession(RuntimeError):
    """A read request's session was asked to write; bookkeeping goes through `bookkeeping()`."""


def is_busy(error: BaseException) -> bool:
    """SQLite could not take its lock in time: the database is busy, not broken."""
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(connection: Any, _record: Any) -> None:
        connection.isolation_level = None  # the driver's own BEGIN is replaced by _begin's
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        writes = connection.get_execution_options().get("finder_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[_EXTENSION] = sessionmaker(engine, expire_on_commit=False)
    app.extensions[_READER] = sessionmaker(engine, expire_on_commit=False, info={_READ_ONLY: True})
    writer = engine.execution_options(finder_write=True)
    app.extensions[_WRITER] = sessionmaker(writer, expire_on_commit=False)
    app.teardown_appcontext(_remove_session)


def engine(app: Flask | None = None) -> Engine:
    factory: sessionmaker[Session] = (app or current_app).extensions[_EXTENSION]
    bound: Engine = factory.kw["bind"]
    return bound


def session() -> Session:
    """The request's session, made on first use: a writer's for requests that may write, one
    that refuses to write for the others."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[_WRITER if may_write() else _READER]()
    current: Session = g.db_session
    return current


def may_write() -> bool:
    """Whether this request (or job, outside any request) may change records."""
    return not has_request_context() or request.method not in _READ_ONLY_METHODS


@contextmanager
def bookkeeping() -> Iterator[Session]:
    """A short transaction of its own that may write, committed at the end: for what a read
    request records about itself (its audit event, the credential's last use)."""
    with closing(current_app.extensions[_WRITER]()) as current, _committed(current):
        yield current


@contextmanager
def transaction() -> Iterator[Session]:
    """The request's session inside one transaction: commit on success, roll back on error."""
    with _committed(session()) as current:
        yield current


@contextmanager
def _committed(current: Session) -> Iterator[Session]:
    """Commit what the block did, or roll it all back if it raised."""
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


@event.listens_for(Session, "before_flush")
def _refuse_writes_when_reading(current: Session, _context: Any, _instances: Any) -> None:
    if current.info.get(_READ_ONLY) and (current.new or current.dirty or current.deleted):
        raise ReadOnlySession("a read request tried to write through its read session")


@event.listens_for(Session, "do_orm_execute")
def _refuse_statements_that_write(state: Any) -> None:
    if state.session.info.get(_READ_ONLY) and (
        state.is_insert or state.is_update or state.is_delete
    ):
        raise ReadOnlySession("a read request tried to write through its read session")


def _remove_session(_exc: BaseException | None) -> None:
    current = g.pop("db_session", None)
    if current is not None:
        current.close()
