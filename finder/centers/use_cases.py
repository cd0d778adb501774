"""The centers' commands, each once: load a new centers list."""

from datetime import UTC, datetime
from pathlib import Path

from finder.centers.files import read_centers_csv
from finder.centers.records import replace_centers
from finder.domain.products import ProductCatalog
from finder.storage import db


def load_centers_file(path: Path, products: ProductCatalog) -> int:
    """Validate the file and replace the catalog with it in one transaction; returns the count.

    A file with any problem raises InvalidCenterFile and changes nothing."""
    centers = read_centers_csv(path, products)
    with db.transaction() as session:
        replace_centers(session, centers, now=datetime.now(UTC))
    return len(centers)
