"""Reading the data files: products, proximity rules, the centers CSV and its claims CSV."""

import csv
import json
from dataclasses import replace
from pathlib import Path

from finder.data_files import skip_comments
from finder.domain.centers import CENTER_FIELDS, Center, parse_centers
from finder.domain.claims import CLAIM_FIELDS, ProductClaim, claims_of, parse_claims
from finder.domain.errors import InvalidCenterFile
from finder.domain.products import ProductCatalog, product_catalog_from_mapping
from finder.domain.proximity_rules import RuleBook, rule_book_from_mapping

CLAIMS_FILE = "center_claims.csv"


def read_products(data_dir: Path) -> ProductCatalog:
    return product_catalog_from_mapping(json.loads((data_dir / "products.json").read_text()))


def read_rules(data_dir: Path) -> RuleBook:
    return rule_book_from_mapping(json.loads((data_dir / "proximity_rules.json").read_text()))


def read_centers_csv(path: Path, catalog: ProductCatalog) -> list[Center]:
    """Every center of the file, or InvalidCenterFile naming each problem's line and field."""
    return parse_centers(_rows(path, CENTER_FIELDS), catalog)


def read_network(path: Path, claims_path: Path | None, catalog: ProductCatalog) -> list[Center]:
    """The centers of the file with their claims: those of the claims file (by default
    center_claims.csv beside it, when there is one), then each product of a row without a
    claim of its own as `reported` on the row's source."""
    centers = read_centers_csv(path, catalog)
    if claims_path is None and (path.parent / CLAIMS_FILE).exists():
        claims_path = path.parent / CLAIMS_FILE
    listed: dict[str, list[ProductClaim]] = {}
    if claims_path is not None:
        rows = _rows(claims_path, CLAIM_FIELDS)
        listed = parse_claims(rows, catalog, (center.id for center in centers))
    return [_with_claims(center, listed.get(center.id, []), catalog) for center in centers]


def _with_claims(center: Center, listed: list[ProductClaim], catalog: ProductCatalog) -> Center:
    claims = claims_of(center.products, center.source, center.verified_on, listed)
    claimed = {claim.product for claim in claims}
    products = tuple(product for product in catalog.ids if product in claimed)
    ordered = tuple(sorted(claims, key=lambda claim: products.index(claim.product)))
    return replace(center, products=products, claims=ordered)


def _rows(path: Path, fields: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            skipped = skip_comments(handle)
            reader = csv.DictReader(handle, strict=True)
            missing = [name for name in fields if name not in (reader.fieldnames or ())]
            if missing:
                raise InvalidCenterFile(
                    [f"line {skipped + 1}: header: missing column(s) {', '.join(missing)}"]
                )
            return _numbered(reader, skipped)
    except FileNotFoundError:
        raise InvalidCenterFile([f"{path}: no such file"]) from None
    except UnicodeDecodeError:
        raise InvalidCenterFile([f"{path}: not UTF-8 text"]) from None
    except csv.Error as error:
        raise InvalidCenterFile([f"line {skipped + reader.line_num}: {error}"]) from None


def _numbered(reader: "csv.DictReader[str]", skipped: int) -> list[tuple[int, dict[str, str]]]:
    """The rows with their line numbers in the file (after `skipped` comment lines)."""
    rows = []
    for row in reader:
        line = skipped + reader.line_num
        if None in row:
            raise InvalidCenterFile([f"line {line}: more fields than the header"])
        rows.append((line, row))
    return rows
