"""One command's transaction: the session it works in, who acts, when and from where, the audit
event recorded with the change, and what happened told to the other areas before the commit.

A use case takes a unit of work, finds and authorizes, runs the domain rule, changes records,
records its audit event under its one name, publishes what other areas must act on, and
commits. The web layer builds the unit of work from the request (`finder.web.commands`); the
scheduler, the command line and tests build it from a session (`finder.wiring`).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from finder import audit
from finder.audit import Origin
from finder.storage.models import UserRow

Handler = Callable[[Session, Any], None]
Recorder = Callable[..., None]


@dataclass
class UnitOfWork:
    """The session of one command and what it records, committed together or not at all."""

    session: Session
    now: datetime
    actor: UserRow | None = None
    origin: Origin = field(default_factory=Origin)
    handlers: Mapping[type, Sequence[Handler]] = field(default_factory=dict)
    # Where audit events go: by default into this session, so they land with the change. A
    # read request's events go through a short transaction of their own (see finder.storage.db).
    recorder: Recorder | None = None

    def audit(self, action: str, **what: Any) -> None:
        """The command's audit event: who (by default the actor), what, when and from where."""
        what.setdefault("actor", self.actor)
        if self.recorder is not None:
            self.recorder(action, **what)
            return
        audit.record(self.session, action, at=self.now, origin=self.origin, **what)

    def publish(self, event: object) -> None:
        """Tell the areas that act on this event; they write in this same transaction."""
        for handle in self.handlers.get(type(event), ()):
            handle(self.session, event)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
