"""The unit of work of a request: its session, its caller, now, and where it came from."""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

from finder.storage import db
from finder.unit_of_work import UnitOfWork
from finder.web.auth import now, origin, record_event, signed_in_user

T = TypeVar("T")


def unit_of_work() -> UnitOfWork:
    """The request's unit of work; a read request's audit events take a transaction of their
    own (see `record_event`)."""
    return UnitOfWork(
        session=db.session(),
        now=now(),
        actor=signed_in_user(),
        origin=origin(),
        handlers=current_app.extensions.get("finder.handlers", {}),
        recorder=record_event,
    )


def run(command: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one use case in the request's unit of work; on any error nothing it did is kept."""
    uow = unit_of_work()
    try:
        return command(uow, *args, **kwargs)
    except BaseException:
        uow.rollback()
        raise
