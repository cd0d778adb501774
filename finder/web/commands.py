"""The unit of work of a request: its session, its caller, now, and where it came from."""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy.orm import Session

from finder.storage import db
from finder.unit_of_work import Recorder, UnitOfWork
from finder.web.auth import now, origin, record_event, signed_in_user

T = TypeVar("T")


def unit_of_work(session: Session | None = None, recorder: Recorder | None = None) -> UnitOfWork:
    """The request's unit of work, with the app's event handlers.

    By default it works in the request's session, and a read request's audit events take a
    transaction of their own (see `record_event`). Given a `session` (a transaction of the
    caller's, such as `db.bookkeeping()`), it works in that one, and its audit events land in
    it too unless a `recorder` is given."""
    if session is None:
        session, recorder = db.session(), recorder or record_event
    return UnitOfWork(
        session=session,
        now=now(),
        actor=signed_in_user(),
        origin=origin(),
        handlers=current_app.extensions.get("finder.handlers", {}),
        recorder=recorder,
    )


def run(command: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one use case in the request's unit of work; on any error nothing it did is kept."""
    uow = unit_of_work()
    try:
        return command(uow, *args, **kwargs)
    except BaseException:
        uow.rollback()
        raise
