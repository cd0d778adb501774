"""Lodging near a center and the makers' support programs, from sourced data files."""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from finder.data_files import skip_comments


@dataclass(frozen=True)
class Lodging:
    id: str
    name: str
    kind: str
    street: str
    city: str
    state: str
    zip: str
    phone: str
    for_whom: str  # adults | children | all
    source: str
    checked_on: str


@dataclass(frozen=True)
class SupportProgram:
    id: str
    name: str
    maker: str
    products: tuple[str, ...]
    phone: str
    offers: str
    source: str
    checked_on: str


@cache
def lodging_rows(data_dir: Path) -> tuple[Lodging, ...]:
    """Every row of lodging.csv, read once per process; none when the file is missing."""
    path = data_dir / "lodging.csv"
    if not path.exists():
        return ()
    with path.open(newline="", encoding="utf-8") as file:
        skip_comments(file)
        return tuple(Lodging(**row) for row in csv.DictReader(file) if row.get("source"))


@cache
def support_programs(data_dir: Path) -> tuple[SupportProgram, ...]:
    path = data_dir / "support_programs.csv"
    if not path.exists():
        return ()
    with path.open(newline="", encoding="utf-8") as file:
        skip_comments(file)
        return tuple(
            SupportProgram(**{**row, "products": tuple(row["products"].split(";"))})  # type: ignore[arg-type]
            for row in csv.DictReader(file)
            if row.get("source")
        )


def lodging_near(data_dir: Path, city: str, state: str) -> list[Lodging]:
    """The sourced lodging in the center's city."""
    return [
        row
        for row in lodging_rows(data_dir)
        if row.state == state and row.city.casefold() == city.casefold()
    ]


def programs_for(data_dir: Path, products: tuple[str, ...]) -> list[SupportProgram]:
    return [p for p in support_programs(data_dir) if set(p.products) & set(products)]
