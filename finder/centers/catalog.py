"""The catalog a process serves from: products and rules from data files, the centers index
from the database, rebuilt only when the centers were reloaded (a new revision)."""

import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from finder.centers.files import read_products, read_rules
from finder.centers.records import active_centers, catalog_revision
from finder.domain.products import ProductCatalog
from finder.domain.proximity_rules import RuleBook
from finder.domain.ranking import CenterIndex


@dataclass(frozen=True)
class Catalog:
    products: ProductCatalog
    rules: RuleBook
    centers: CenterIndex


class CatalogCache:
    """One per app; each request asks for the current catalog with one small query."""

    def __init__(self, data_dir: Path) -> None:
        self.products = read_products(data_dir)
        self.rules = read_rules(data_dir)
        self._lock = threading.Lock()
        self._revision = -1
        self._index = CenterIndex([], self.products)

    def current(self, session: Session) -> Catalog:
        revision = catalog_revision(session)
        if revision != self._revision:
            with self._lock:
                if revision != self._revision:
                    self._index = CenterIndex(active_centers(session), self.products)
                    self._revision = revision
        return Catalog(self.products, self.rules, self._index)
