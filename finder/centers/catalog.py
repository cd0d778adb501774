"""The catalog a process serves from: products and rules from data files, the centers index
from the database, rebuilt only when the centers were reloaded (a new revision).

The revision is read from the database at most once every CHECK_SECONDS per process, not on
every request: a reload made by another process (another instance, `finder load-centers`) is
served within that time; one made in this process is seen at once, since `replace_centers`
calls `changes.catalog_changed()` when its transaction commits.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from finder.centers import changes
from finder.centers.files import read_products, read_rules
from finder.centers.records import active_centers, catalog_revision
from finder.domain.products import ProductCatalog
from finder.domain.proximity_rules import RuleBook
from finder.domain.ranking import CenterIndex

CHECK_SECONDS = 2.0


@dataclass(frozen=True)
class Catalog:
    products: ProductCatalog
    rules: RuleBook
    centers: CenterIndex


class CatalogCache:
    """One per app; the catalog of the latest revision, checked every `check_seconds`."""

    def __init__(
        self,
        data_dir: Path,
        check_seconds: float = CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.products = read_products(data_dir)
        self.rules = read_rules(data_dir)
        self.check_seconds = check_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._revision = -1
        self._checked_at = -float("inf")
        self._seen_changes = -1
        self._catalog = Catalog(self.products, self.rules, CenterIndex([], self.products))

    def current(self, session: Session | Callable[[], Session]) -> Catalog:
        """The catalog; a query for its revision only when the last check is old enough.

        `session` may be a function giving one, so that a request served from the cache
        opens no session at all."""
        now = self.clock()
        if self._seen_changes == changes.count() and now - self._checked_at < self.check_seconds:
            return self._catalog
        seen = changes.count()
        if not isinstance(session, Session):
            session = session()
        revision = catalog_revision(session)
        with self._lock:
            if revision != self._revision:
                self._catalog = Catalog(
                    self.products, self.rules, CenterIndex(active_centers(session), self.products)
                )
                self._revision = revision
            self._checked_at = now
            self._seen_changes = seen
            return self._catalog
