"""The engine and one session per request, removed at teardown."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_EXTENSION = "finder.db"


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[_EXTENSION] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_remove_session)


def engine(app: Flask | None = None) -> Engine:
    factory: sessionmaker[Session] = (app or current_app).extensions[_EXTENSION]
    bound: Engine = factory.kw["bind"]
    return bound


def session() -> Session:
    """The request's session, made on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[_EXTENSION]()
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


@contextmanager
def own_session(app: Flask) -> Iterator[Session]:
    """A session outside any request, closed at the end: for streamed responses and workers."""
    factory: sessionmaker[Session] = app.extensions[_EXTENSION]
    current = factory()
    try:
        yield current
    finally:
        current.close()


def _remove_session(_exc: BaseException | None) -> None:
    current = g.pop("db_session", None)
    if current is not None:
        current.close()
