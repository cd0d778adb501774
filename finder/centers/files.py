"""Reading the data files: products, proximity rules and the centers CSV."""

import csv
import json
from pathlib import Path

from finder.domain.centers import CENTER_FIELDS, Center, parse_centers
from finder.domain.errors import InvalidCenterFile
from finder.domain.products import ProductCatalog, product_catalog_from_mapping
from finder.domain.proximity_rules import RuleBook, rule_book_from_mapping


def read_products(data_dir: Path) -> ProductCatalog:
    return product_catalog_from_mapping(json.loads((data_dir / "products.json").read_text()))


def read_rules(data_dir: Path) -> RuleBook:
    return rule_book_from_mapping(json.loads((data_dir / "proximity_rules.json").read_text()))


def read_centers_csv(path: Path, catalog: ProductCatalog) -> list[Center]:
    """Every center of the file, or InvalidCenterFile naming each problem's line and field."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle, strict=True)
            missing = [name for name in CENTER_FIELDS if name not in (reader.fieldnames or ())]
            if missing:
                raise InvalidCenterFile([f"line 1: header: missing column(s) {', '.join(missing)}"])
            rows = list(_numbered(reader))
    except FileNotFoundError:
        raise InvalidCenterFile([f"{path}: no such file"]) from None
    except UnicodeDecodeError:
        raise InvalidCenterFile([f"{path}: not UTF-8 text"]) from None
    except csv.Error as error:
        raise InvalidCenterFile([f"line {reader.line_num}: {error}"]) from None
    return parse_centers(rows, catalog)


def _numbered(reader: "csv.DictReader[str]") -> list[tuple[int, dict[str, str]]]:
    rows = []
    for row in reader:
        if None in row:
            raise InvalidCenterFile([f"line {reader.line_num}: more fields than the header"])
        rows.append((reader.line_num, row))
    return rows
