"""A process-wide count of the catalog changes this process made, for the catalog caches."""

from sqlalchemy import event
from sqlalchemy.orm import Session

# Bumped whenever this process changes the catalog; every cache then checks the revision.
_local_changes = 0


def count() -> int:
    return _local_changes


def catalog_changed(session: Session | None = None) -> None:
    """Tell this process's caches that the centers changed, now and when `session` commits."""
    global _local_changes
    _local_changes += 1
    if session is not None:
        event.listen(session, "after_commit", _changed_on_commit, once=True)


def _changed_on_commit(_session: Session) -> None:
    catalog_changed()
